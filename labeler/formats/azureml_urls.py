"""Where an Azure ML export's images live: datastore URLs AutoML and ``mltable`` open, the
workspace's ``config.json``, and the commands that put the images there.

AutoML and ``mltable`` open an ``image_url`` only when it is a URL they can resolve: the long
datastore form ``azureml://subscriptions/<id>/resourcegroups/<rg>/workspaces/<ws>/datastores/
<name>/paths/<path>`` (``mltable`` turns the short ``azureml://datastores/...`` form, relative
paths and bare absolute paths into nulls), ``https://``, ``wasbs://``, ``abfss://`` or a
``file://`` URL on the machine that reads it. So an export needs one of:

* ``datastore`` (with ``datastore_path``, default the export folder's name) and the workspace:
  ``subscription``, ``resource_group`` and ``workspace``, each given or read from the workspace's
  ``config.json`` (``subscription_id``, ``resource_group``, ``workspace_name``: the file the
  Azure portal offers and the Azure ML SDK's ``from_config`` reads);
* ``image_url_prefix``: the URL the export's ``images/`` folder will have, any of the forms above.

Anything else is refused with this advice. The path after the prefix is percent-encoded
(``mltable`` decodes it), so spaces, accents, ``#`` and ``?`` in file names survive.
"""

from __future__ import annotations

import json
import re
import shlex
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from labeler.formats import base

CONFIG_NAMES = ("config.json", ".azureml/config.json")
_SCHEMES = ("https://", "http://", "wasbs://", "abfss://", "file://")
_LONG_FORM = re.compile(
    r"^azureml://subscriptions/[^/]+/resourcegroups/[^/]+/workspaces/[^/]+/datastores/[^/]+/paths/",
    re.IGNORECASE,
)
_WORKSPACE_KEYS = {
    "subscription": "subscription_id",
    "resource_group": "resource_group",
    "workspace": "workspace_name",
}
ADVICE = (
    "Azure ML opens images by URL, and without a datastore this export would write URLs that "
    "AutoML and mltable cannot open. Give --datastore NAME (the datastore the images go to) "
    "with the workspace (--subscription, --resource-group, --workspace, or the workspace's "
    "config.json via --azureml-config; a config.json in the current folder or a parent is "
    "found by itself): labeler then writes azureml://subscriptions/…/datastores/NAME/paths/… "
    "URLs and prints the az command that uploads the images there. Or give --image-url-prefix "
    "with the URL the export's images/ folder will have (azureml://subscriptions/…/paths/…/, "
    "https://…, wasbs://…, abfss://… or file://…)."
)


def find_config(start: Path) -> Path | None:
    """The first Azure ML workspace ``config.json`` in ``start`` or a folder above it (also
    under ``.azureml/``), as the Azure ML SDK looks for it; files without the workspace's keys
    are passed over."""
    for folder in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                try:
                    read_config(candidate)
                except base.OptionError:
                    continue
                return candidate
    return None


def read_config(path: Path) -> dict[str, str]:
    """``subscription``, ``resource_group`` and ``workspace`` from a workspace config.json.

    Raises:
        base.OptionError: naming the file when it cannot be read or lacks a key.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise base.OptionError(f"{path}: not a readable Azure ML config.json ({exc})") from None
    if not isinstance(doc, dict):
        raise base.OptionError(f"{path}: expected a JSON object")
    out: dict[str, str] = {}
    for ours, theirs in _WORKSPACE_KEYS.items():
        value = doc.get(theirs)
        if not isinstance(value, str) or not value.strip():
            raise base.OptionError(f"{path}: {theirs!r} is missing (an Azure ML config.json)")
        out[ours] = value.strip()
    return out


def check_prefix(prefix: str) -> str:
    """``prefix`` ending with a slash, after checking AutoML and mltable can open its URLs.

    Raises:
        base.OptionError: for a prefix of another form, saying which forms work.
    """
    prefix = prefix.strip()
    if _LONG_FORM.match(prefix) or prefix.lower().startswith(_SCHEMES):
        return prefix if prefix.endswith("/") else prefix + "/"
    if prefix.lower().startswith("azureml://"):
        raise base.OptionError(
            f"image URL prefix {prefix!r}: mltable opens only the workspace's full form, "
            "azureml://subscriptions/<id>/resourcegroups/<rg>/workspaces/<ws>/datastores/"
            "<datastore>/paths/<folder>/ (or give --datastore with the workspace)"
        )
    raise base.OptionError(f"image URL prefix {prefix!r} is not a URL Azure ML opens. {ADVICE}")


def datastore_prefix(workspace: Mapping[str, str], datastore: str, path: str) -> str:
    """The long ``azureml://`` URL of folder ``path`` in ``datastore``, ending with a slash."""
    folder = path.strip("/")
    quoted = urllib.parse.quote(folder, safe="/") + "/" if folder else ""
    return (
        f"azureml://subscriptions/{workspace['subscription']}/resourcegroups/"
        f"{workspace['resource_group']}/workspaces/{workspace['workspace']}/datastores/"
        f"{datastore}/paths/{quoted}"
    )


def image_url(prefix: str, rel: str) -> str:
    """The URL of the export's file ``rel`` (``images/...``) under ``prefix``."""
    return prefix + urllib.parse.quote(rel, safe="/")


def path_of_url(url: str) -> str:
    """The file path inside a datastore (or any) URL, percent-escapes decoded."""
    rest = url.split("/paths/", 1)[1] if url.startswith("azureml://") and "/paths/" in url else url
    for scheme in _SCHEMES:
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme) :]
            break
    return urllib.parse.unquote(rest)


class Target:
    """Where the images of one export go, and how to put them there.

    Args:
        options: the export's Azure ML options (``registry.AZUREML_OPTIONS``).
        export_folder: the folder being written (its name is the default datastore path).

    Raises:
        base.OptionError: with :data:`ADVICE` when the options give no usable URL.
    """

    def __init__(self, options: Mapping[str, str], export_folder: Path) -> None:
        self.datastore = options.get("datastore", "")
        self.workspace: dict[str, str] = {}
        self.path = options.get("datastore_path") or export_folder.name
        self.export_folder = export_folder
        if options.get("image_url_prefix"):
            if self.datastore:
                raise base.OptionError("give --datastore or --image-url-prefix, not both")
            self.prefix = check_prefix(options["image_url_prefix"])
            return
        if not self.datastore:
            raise base.OptionError(ADVICE)
        config = options.get("azureml_config")
        if config:
            self.workspace.update(read_config(Path(config)))
        self.workspace.update({k: options[k] for k in _WORKSPACE_KEYS if options.get(k)})
        missing = [k for k in _WORKSPACE_KEYS if k not in self.workspace]
        if missing:
            flags = ", ".join("--" + k.replace("_", "-") for k in missing)
            raise base.OptionError(
                f"--datastore {self.datastore} needs the workspace: give {flags}, or the "
                "workspace's config.json with --azureml-config (Azure portal → the workspace → "
                "Download config.json)"
            )
        self.prefix = datastore_prefix(self.workspace, self.datastore, self.path)

    def next_steps(self, splits: list[str], images_written: bool, name: str) -> list[str]:
        """The commands (or words) that put the images and tables where the URLs point."""
        out_images = self.export_folder / "images"
        if not self.datastore:
            where = f"{self.prefix}images/"
            if images_written:
                return [f"Upload the folder {out_images} so that its files are at {where}"]
            return [f"Put each image at {where}<its path in the project> (none were written)"]
        ws = self.workspace
        scope = (
            f"--resource-group {shlex.quote(ws['resource_group'])} "
            f"--workspace-name {shlex.quote(ws['workspace'])} "
            f"--subscription {shlex.quote(ws['subscription'])}"
        )
        show = f"az ml datastore show --name {shlex.quote(self.datastore)} {scope}"
        source = shlex.quote(str(out_images))
        if not images_written:
            source = "<a folder laid out as the project: the images were not written>"
        dest = shlex.quote(f"{self.path.strip('/')}/images" if self.path.strip("/") else "images")
        steps = [
            "Upload the images to the datastore: az storage blob upload-batch --auth-mode login "
            f'--account-name "$({show} --query account_name -o tsv)" '
            f'--destination "$({show} --query container_name -o tsv)" '
            f"--destination-path {dest} --source {source}"
        ]
        asset = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "labeler-export"
        for split in splits:
            folder = shlex.quote(str(self.export_folder / split))
            steps.append(
                f"Register the {split} table as a data asset for AutoML: az ml data create "
                f"--name {shlex.quote(f'{asset}-{split}')} --type mltable --path {folder} {scope}"
            )
        return steps
