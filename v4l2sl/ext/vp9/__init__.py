"""VP9 software accelerator: decodes V4L2 stateless VP9 requests (frame control + optional compressed
header control + frame data) like a kernel driver does, keeping the four probability contexts itself."""
