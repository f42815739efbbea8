import { transportCompliance } from "../transport-compliance.ts";
import { tcpTransport } from "../../transports/tcp.ts";
transportCompliance("tcp", async () => ({ transport: tcpTransport(), listenUrl: new URL("tcp://127.0.0.1:0") }));
