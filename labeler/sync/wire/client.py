"""A small typed HTTP client of the sync API (the offline-first engine builds on it).

Every call has a timeout. Errors come back as :class:`errors.ApiError` with the status, the server's
message, the request id (to quote to whoever runs the service) and ``Retry-After`` when given;
a failed connection is a :class:`errors.ConnectionFailed` (status 0). This client does not retry.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, TypeVar

import pydantic
import requests

from labeler.sync.wire import errors, fields, protocol, reading

if TYPE_CHECKING:
    from labeler.sync.wire.entra import TokenSource

KEY_HEADER = "Ocp-Apim-Subscription-Key"
DEFAULT_TIMEOUT = 30.0

M = TypeVar("M", bound=pydantic.BaseModel)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: the engine treats it as "soon"


def _unexpected(
    response: requests.Response, method: str, path: str, exc: Exception
) -> errors.ApiError | errors.UnreadableAnswer:
    """An answer a model refused: JSON of the API's making that this labeler cannot read, or
    something else in the way (a network login page, a proxy), treated like no answer."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    if kind == "application/json":
        why = fields.first_error(exc) if isinstance(exc, pydantic.ValidationError) else str(exc)
        if not (isinstance(exc, reading.NotAnAnswer) and why.startswith("not JSON")):
            return errors.UnreadableAnswer(method, path, why, response.headers.get("x-request-id"))
    return errors.NotTheApi.from_response(response, method, path)


def _error(response: requests.Response) -> errors.ApiError:
    message = response.reason or "error"
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            message = body["message"]
    except ValueError:
        if response.text:
            message = response.text[:500]
    return errors.ApiError(
        response.status_code,
        message,
        response.headers.get("x-request-id"),
        _retry_after(response.headers.get("Retry-After")),
    )


class SyncClient:
    """Typed calls to one sync service.

    Args:
        base_url: the service's root (``https://host/labeler``); ``/v1/...`` is appended.
        key: subscription key, sent in ``Ocp-Apim-Subscription-Key``.
        token: an Entra ID access token, sent as ``Authorization: Bearer``.
        token_source: gives the access token for each call instead (``entra.TokenSource``); a
            401 makes it fetch a fresh one, and the call is made once more.
        timeout: seconds for each call (connect and read), or a (connect, read) pair.
        headers: extra headers for every call.
    """

    def __init__(
        self,
        base_url: str,
        key: str | None = None,
        token: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        token_source: TokenSource | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + protocol.API_PREFIX
        self.token_source = token_source
        self.timeout = timeout
        self._session = requests.Session()
        if key:
            self._session.headers[KEY_HEADER] = key
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.headers.update(headers or {})

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- plumbing ----------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self._request(method, path, False, **kwargs)
        if response.status_code == 401 and self.token_source is not None:
            # An access token expires while the cache still thinks it fresh, or was revoked:
            # one fresh token, one more try (a streamed upload cannot be replayed: not retried).
            data = kwargs.get("data")
            if data is None or isinstance(data, bytes):
                response.close()
                response = self._request(method, path, True, **kwargs)
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _request(self, method: str, path: str, refresh: bool, **kwargs: Any) -> requests.Response:
        if self.token_source is not None:
            try:
                token = self.token_source.token(refresh=refresh)
            except requests.RequestException as exc:
                # MSAL could not reach Entra ID (offline, say): like the service not answering.
                raise errors.ConnectionFailed(
                    0, f"Entra ID sign-in cannot be reached ({type(exc).__name__}: {exc})"
                ) from exc
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Authorization"] = f"Bearer {token}"
            kwargs["headers"] = headers
        # An absolute URL is another endpoint behind the same gateway (a model's scoring URL).
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        try:
            return self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise errors.ConnectionFailed(0, f"{type(exc).__name__}: {exc}") from exc

    def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        body: pydantic.BaseModel | None = None,
        read: Callable[[bytes], M] | None = None,
        **kwargs: Any,
    ) -> M:
        """Send, then read the answer with ``read`` (default: ``model``, strictly)."""
        if body is not None:
            kwargs["data"] = body.model_dump_json().encode()
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        response = self._send(method, path, **kwargs)
        try:
            return (read or model.model_validate_json)(response.content)
        except (pydantic.ValidationError, reading.NotAnAnswer) as exc:
            raise _unexpected(response, method, path, exc) from exc

    @staticmethod
    def _p(project: str) -> str:
        return "/projects/" + urllib.parse.quote(project, safe="")

    def post_json(self, url: str, body: bytes) -> bytes:
        """POST a JSON body to an absolute ``url`` with this client's key, token and timeout
        (a model's scoring endpoint behind the same gateway); returns the answer's body.

        Raises:
            errors.ApiError: an error answer, or no answer (``ConnectionFailed``).
        """
        headers = {"Content-Type": "application/json"}
        return self._send("POST", url, data=body, headers=headers).content

    # --- service -----------------------------------------------------------------------------

    def health(self) -> protocol.Health:
        return self._call(protocol.Health, "GET", "/health")

    def ready(self) -> protocol.Ready:
        return self._call(protocol.Ready, "GET", "/ready")

    # --- projects and schema -------------------------------------------------------------

    def list_projects(self) -> list[protocol.Project]:
        return self._call(protocol.ProjectList, "GET", "/projects").projects

    def create_project(self, name: str, title: str = "") -> protocol.Project:
        body = protocol.ProjectCreate(name=name, title=title)
        return self._call(protocol.Project, "POST", "/projects", body)

    def get_project(self, project: str) -> protocol.Project:
        return self._call(protocol.Project, "GET", self._p(project))

    def get_schema(self, project: str) -> protocol.LabelSchema:
        return self._call(protocol.LabelSchema, "GET", self._p(project) + "/schema")

    def put_schema(self, project: str, update: protocol.SchemaUpdate) -> protocol.LabelSchema:
        return self._call(protocol.LabelSchema, "PUT", self._p(project) + "/schema", update)

    # --- images and their bytes --------------------------------------------------------------

    def list_images(
        self, project: str, after: str | None = None, limit: int = protocol.DEFAULT_PAGE
    ) -> protocol.ImagePage:
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        path = self._p(project) + "/images"
        return self._call(protocol.ImagePage, "GET", path, params=params)

    def upsert_images(
        self, project: str, images: Iterable[protocol.ImageIn]
    ) -> protocol.ImageBatchResult:
        body = protocol.ImageBatch(images=list(images))
        return self._call(protocol.ImageBatchResult, "POST", self._p(project) + "/images", body)

    def upload_blob(
        self, project: str, sha256: str, data: bytes | IO[bytes]
    ) -> protocol.BlobStored:
        path = f"{self._p(project)}/blobs/{sha256}"
        headers = {"Content-Type": "application/octet-stream"}
        return self._call(protocol.BlobStored, "PUT", path, data=data, headers=headers)

    def download_blob(self, project: str, sha256: str) -> bytes:
        return self._send("GET", f"{self._p(project)}/blobs/{sha256}").content

    def download_blob_to(
        self, project: str, sha256: str, write: Callable[[bytes], object], chunk: int = 1 << 20
    ) -> int:
        """Stream an image's bytes to ``write`` (never all in memory); returns the byte count."""
        return self._stream(f"{self._p(project)}/blobs/{sha256}", write, chunk)

    def download_export(
        self,
        project: str,
        params: Mapping[str, Any],
        write: Callable[[bytes], object],
        chunk: int = 1 << 20,
    ) -> int:
        """Stream the server's export of ``project`` (a zip) to ``write``; returns the size."""
        return self._stream(f"{self._p(project)}/export", write, chunk, params=dict(params))

    def _stream(
        self, path: str, write: Callable[[bytes], object], chunk: int, **kwargs: Any
    ) -> int:
        response = self._send("GET", path, stream=True, **kwargs)
        size = 0
        try:
            for piece in response.iter_content(chunk):
                write(piece)
                size += len(piece)
        except requests.RequestException as exc:
            raise errors.ConnectionFailed(0, f"{type(exc).__name__}: {exc}") from exc
        finally:
            response.close()
        return size

    def has_blob(self, project: str, sha256: str) -> bool:
        try:
            self._send("HEAD", f"{self._p(project)}/blobs/{sha256}")
        except errors.ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # --- sync --------------------------------------------------------------------------------

    def changes(
        self, project: str, cursor: str | None = None, limit: int = protocol.DEFAULT_PAGE
    ) -> protocol.ChangePage:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        path = self._p(project) + "/changes"
        # Record by record when need be: one unreadable record is set aside, not the page.
        return self._call(protocol.ChangePage, "GET", path, read=reading.change_page, params=params)

    def push(
        self,
        project: str,
        records: Iterable[protocol.Record],
        idempotency_key: str | None = None,
    ) -> protocol.PushResponse:
        body = protocol.PushRequest(records=list(records))
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        path = self._p(project) + "/push"
        return self._call(
            protocol.PushResponse,
            "POST",
            path,
            body,
            read=reading.push_response,
            headers=headers,
        )

    def review(
        self, project: str, sha256: str, action: protocol.ReviewKind | str, comment: str = ""
    ) -> protocol.ReviewResponse:
        body = protocol.ReviewRequest(action=protocol.ReviewKind(action), comment=comment)
        path = f"{self._p(project)}/images/{sha256}/review"
        return self._call(protocol.ReviewResponse, "POST", path, body)

    def stats(self, project: str) -> protocol.Stats:
        return self._call(protocol.Stats, "GET", self._p(project) + "/stats")
