"""The Linux kernel backend: discovery of stateless decoders (media controller), capability probing and
:class:`KernelDevice`, the Request API implementation of :class:`v4l2sl.device.Device`."""
from v4l2sl.kernel.device import KernelDevice, find_decoder, ns_to_timeval, timeval_to_ns
from v4l2sl.kernel.discovery import DecoderNode, list_decoders

__all__ = ["KernelDevice", "find_decoder", "list_decoders", "DecoderNode", "ns_to_timeval", "timeval_to_ns"]
