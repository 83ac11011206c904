{
  "targets": [
    {
      "target_name": "mpi",
      "sources": ["mpi.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8", "OMPI_SKIP_MPICXX=1"],
      "cflags_cc": ["-O2", "-std=c++17", "<!@(${MPICC:-mpicc} --showme:compile)"],
      "libraries": ["<!@(${MPICC:-mpicc} --showme:link)"],
      "ldflags": ["<!@(for d in $(${MPICC:-mpicc} --showme:libdirs); do echo -Wl,-rpath,$d; done)"]
    }
  ]
}
