"""Software JPEG decoder (virtual hardware): decodes from the parsed header only.

One file per stage: ``huffman`` / ``arith`` (entropy decoding into coefficient blocks), ``idct`` (islow
inverse DCT), ``upsample`` (libjpeg-turbo fancy / box chroma upsampling), ``color`` (colour conversion),
``lossless`` (SOF3/SOF11 predictors) and ``decoder`` (drives the stages).
"""
