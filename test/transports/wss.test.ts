import { transportCompliance } from "../transport-compliance.ts";
import { wsTransport } from "../../transports/ws.ts";
transportCompliance("wss", async () => ({ transport: wsTransport(), listenUrl: new URL("wss://127.0.0.1:0/bond"), dialOpts: { insecure: true } }));
