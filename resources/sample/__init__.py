"""The bundled sample dataset: generated photos of parts on a conveyor (washers, nuts, brackets).

``images/`` holds the pictures, ``labels.json`` the true boxes and polygons of each (pixels in the
displayed frame). ``make_sample.py`` regenerates both, deterministically.
"""
