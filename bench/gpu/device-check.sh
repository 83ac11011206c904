#!/usr/bin/env bash
# What a machine with an NVIDIA GPU runs to check Parallab's GPU paths end to end, in one go:
# the driver and its libraries, the Vulkan drivers (ICDs) Dawn will load, nvidia-smi and
# vulkaninfo, then %gpu's view, the webgpu tests on the hardware adapter, and bench/gpu on webgpu
# (and on tfjs-node-gpu where it installs) with matMul up to n = 4096. Its output is what the
# closing note of a GPU issue quotes.
#   bash bench/gpu/device-check.sh            (from the repository root; root installs what is missing)
set -uo pipefail
cd "$(dirname "$0")/../.."

section() { printf '\n=== %s ===\n' "$*"; }
as_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

section "machine"
uname -a
nproc
echo "NVIDIA_DRIVER_CAPABILITIES=${NVIDIA_DRIVER_CAPABILITIES-(unset)} NVIDIA_VISIBLE_DEVICES=${NVIDIA_VISIBLE_DEVICES-(unset)}"
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES-(unset)} VK_ICD_FILENAMES=${VK_ICD_FILENAMES-(unset)}"

section "nvidia-smi"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
else
  echo "nvidia-smi: not found (no NVIDIA driver in this environment)"
fi
ls -l /dev/nvidia* 2>&1 | head

section "driver libraries"
# Vulkan needs libvulkan.so.1 (the loader) and the driver's libGLX_nvidia / libnvidia-glcore;
# in a container these are mounted only with the graphics capability.
ldconfig -p | grep -E 'libvulkan\.so|libEGL(_nvidia)?\.so|libGLX_nvidia|libnvidia-(glcore|eglcore|gpucomp)|libcuda\.so' || echo "(none of them in ld.so's cache)"

section "Vulkan drivers (ICD manifests)"
for dir in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  [ -d "$dir" ] && for f in "$dir"/*.json; do [ -e "$f" ] && { echo "$f:"; cat "$f"; echo; }; done
done

if as_root && { ! ldconfig -p | grep -q 'libvulkan\.so\.1 ' || ! command -v vulkaninfo >/dev/null; }; then
  section "installing libvulkan1 and vulkan-tools"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libvulkan1 vulkan-tools || echo "apt-get could not install them"
fi

section "vulkaninfo --summary"
if command -v vulkaninfo >/dev/null; then vulkaninfo --summary 2>&1 | head -60; else echo "vulkaninfo: not installed (apt-get install vulkan-tools)"; fi

section "install and build"
[ -d node_modules ] || npm ci
npm run build
node dist/cli/scripts/ensure-system.js || echo "ensure-system: some test packages are missing (see above)"

section "tfjs-node-gpu (CUDA path)"
if [ ! -d node_modules/@tensorflow/tfjs-node-gpu/lib ]; then
  # Downloads libtensorflow from storage.googleapis.com: it fails where that host is unreachable.
  timeout 300 npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0 || echo "tfjs-node-gpu did not install (see above): the CUDA path is measured without it"
fi

section "%gpu"
node --input-type=module -e '
const { TensorRuntime } = await import("./dist/kernel/tensors/runtime.js");
const { statusText } = await import("./dist/kernel/magics/gpu.js");
const tensors = new TensorRuntime();
process.stdout.write(statusText(await tensors.status()));
tensors.release();
process.exit(0);'

section "webgpu tests on this machine's adapter"
npx vitest run test/webgpu.test.ts test/gpu.test.ts

section "bench/gpu: webgpu and tfjs-node-gpu, matMul up to 4096, beside wasm+openblas and numpy"
node bench/run.js gpu --sizes 512,1024,2048,4096 --only webgpu,tensorflow-gpu,wasm+openblas
