// The MIME type of a %%check result in a notebook's outputs: its own module, so that the kernel's
// %%check does not load the tracker's database code to name it.
export const CHECK_MIME = "application/vnd.parallab.check+json";
