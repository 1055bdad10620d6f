"""Qt-free image helpers: header reads, hashing, decoding, thumbnails.

labeler enforces its own pixel limit (the project's ``max_pixels``) before any decode, and records
oversized files as problems with their size. Pillow's global decompression-bomb check would refuse
those files before their size can be read, so it is switched off here, once, for the whole process;
every decoding path in labeler checks the limit itself.
"""

from __future__ import annotations

from PIL import Image

Image.MAX_IMAGE_PIXELS = None
