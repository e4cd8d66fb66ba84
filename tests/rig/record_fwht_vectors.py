"""Records tests/rig/vectors/vicodec_640x368.{fwht,json} INSIDE the rig VM: frames encoded by vicodec's stateful
encoder, decoded by its stateless decoder through KernelDevice; md5 of the visible planes per frame.

    tests/rig/boot.sh ~/.cache/v4l2sl/kernel-rig/<kver> /tmp/out "$(readlink -f $(which python3)) tests/rig/record_fwht_vectors.py"
    cp /tmp/out/vicodec_640x368.* tests/rig/vectors/
"""
import hashlib, json, os, sys
import numpy as np
sys.path.insert(0, "tests/rig")
os.environ["V4L2SL_IN_RIG"] = "1"
import guest_kernel as G
from v4l2sl.codecs import fwht as codec
from v4l2sl.kernel import KernelDevice, list_decoders
w, h = 640, 368
yy, xx = np.mgrid[0:h, 0:w]
src = []
for i in range(4):
    Y = (((xx + 5 * i) // 3 + (yy // 5) * 2) % 256).astype(np.uint8)
    Y[100:180, 200 + 8 * i:300 + 8 * i] = 230
    Y[::37, :] = 20
    U = ((xx[::2, ::2] // 2 + 3 * i) % 256).astype(np.uint8)
    V = ((yy[::2, ::2] + 64) % 256).astype(np.uint8)
    src.append(Y.tobytes() + U.tobytes() + V.tobytes())
coded = G.vicodec_encode(src, w, h)
stream = b"".join(coded)
dec = G._node_by_name("stateless-decoder")
node = next(n for n in list_decoders() if n.video_path == dec)
with KernelDevice(node.video_path, node.media_path) as dev:
    reqs, pics = G.run_plan(dev, codec.plan(stream))
md5s = []
for p in pics:
    vw, vh = reqs[0].controls[0].payload.width, reqs[0].controls[0].payload.height
    m = hashlib.md5()
    for k, pl in enumerate(p.planes):
        pw, ph = (vw, vh) if k == 0 else (vw // 2, vh // 2)
        m.update(np.ascontiguousarray(pl[:ph, :pw]).tobytes())
    md5s.append(m.hexdigest())
out = os.environ["RIG_OUT"]
open(os.path.join(out, "vicodec_640x368.fwht"), "wb").write(stream)
json.dump({"source": "vicodec stateful encoder (Linux 6.12.107 trixie), 4 frames 640x368 YUV420",
           "decoder": "vicodec stateless decoder via v4l2sl KernelDevice",
           "frames": [{"type": "I" if c[20:24] and (int.from_bytes(c[20:24], "big") & 0x400) else "P", "md5": m}
                      for c, m in zip(coded, md5s)]},
          open(os.path.join(out, "vicodec_640x368.json"), "w"), indent=1)
print(len(stream), md5s)
