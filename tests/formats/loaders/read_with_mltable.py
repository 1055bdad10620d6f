"""Load each split of an Azure ML export with mltable, as AutoML does; print what it resolved.

read_with_mltable.py EXPORT_FOLDER SPLIT...
"""

import json
import sys
import warnings

warnings.simplefilter("ignore")
import mltable  # noqa: E402


def plain(value):
    """pandas/numpy values (object arrays of dicts, numpy scalars) as plain JSON values."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


folder, *splits = sys.argv[1:]
out = {}
for split in splits:
    df = mltable.load(f"{folder}/{split}").to_pandas_dataframe()
    rows = []
    for url, details, label in zip(df["image_url"], df["image_details"], df["label"], strict=True):
        rows.append(
            {
                "stream": None if url is None else str(url.resource_identifier),
                "kind": None if url is None else type(url).__name__,
                "details": plain(details),
                "label": plain(label),
            }
        )
    out[split] = rows
print(json.dumps(out))
