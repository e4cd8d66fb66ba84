"""Software FWHT decoder (vicodec's codec), bit-exact with the kernel's, driven by the request only:
``V4L2_CID_STATELESS_FWHT_PARAMS`` + the coded payload, references found by ``backward_ref_ts``."""
