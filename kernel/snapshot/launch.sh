#!/bin/sh
# The kernel's launcher (kernel.json runs it): sh BLOB NODE NODE_ARGS...
# Starts Node from the compiler snapshot BLOB when BLOB.key says the blob is whole and was built
# for this Node binary (size, and the binary's size:mtime); otherwise starts Node as usual. A
# blob that does not fit would stop Node before the kernel runs. The kernel learns the blob's
# path from PARALLAB_COMPILER_BLOB and rebuilds it in the background when it is missing or stale.
if [ $# -lt 3 ]; then
  echo "usage: launch.sh BLOB NODE NODE_ARGS... (kernel.json runs it; reinstall with \`npx parallab install\`)" >&2
  exit 2
fi
blob=$1
node=$2
shift 2
PARALLAB_COMPILER_BLOB=$blob
export PARALLAB_COMPILER_BLOB
if [ -r "$blob" ] && [ -r "$blob.key" ]; then
  expected="$(stat -c %s "$blob") $(stat -L -c %s:%Y "$node")"
  read -r actual < "$blob.key"
  if [ "$actual" = "$expected" ]; then
    PARALLAB_COMPILER_SNAPSHOT=loaded
    export PARALLAB_COMPILER_SNAPSHOT
    exec "$node" --snapshot-blob "$blob" "$@"
  fi
fi
exec "$node" "$@"
