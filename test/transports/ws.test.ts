import { transportCompliance } from "../transport-compliance.ts";
import { wsTransport } from "../../transports/ws.ts";
transportCompliance("ws", async () => ({ transport: wsTransport(), listenUrl: new URL("ws://127.0.0.1:0/bond") }));
