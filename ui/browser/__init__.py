"""The image browser: the project's images as a list or a thumbnail grid."""
