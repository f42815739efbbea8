/** Types for proxy-from-env 2.x (the package ships none). */
declare module "proxy-from-env" {
  /** The proxy URL for `url` per *_PROXY / ALL_PROXY / NO_PROXY, or "" for a direct connection. */
  export function getProxyForUrl(url: string | URL): string;
}
