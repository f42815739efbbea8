/**
 * The `Bondcat-Session` request header of a WebSocket upgrade: the session id (32 lowercase hex, the
 * same bytes as at offset 8 of the handshake, docs/PROTOCOL.md §2.1) where an HTTP balancer can hash
 * on it. Not a secret: a JOIN still has to prove the session key.
 */
export const SESSION_HEADER_NAME = "Bondcat-Session";
/** Lower-cased, as HTTP header lookups use it. */
export const SESSION_HEADER = "bondcat-session";
export const SESSION_ID_RE = /^[0-9a-f]{32}$/;
