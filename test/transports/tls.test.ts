import { transportCompliance } from "../transport-compliance.ts";
import { tlsTransport } from "../../transports/tls.ts";
transportCompliance("tls", async () => ({ transport: tlsTransport(), listenUrl: new URL("tls://127.0.0.1:0"), dialOpts: { insecure: true } }));
