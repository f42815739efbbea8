/**
 * CPace primitives (src/core/cpace.ts) against the known answers of draft-irtf-cfrg-cpace appendix B.3
 * (ristretto255, SHA-512) and A.1.2 (prepend_len).
 */
import { describe, expect, test } from "bun:test";
import {
  calculateGenerator,
  generatorString,
  intermediateKey,
  lvCat,
  prependLen,
  scalarFromBytes,
  scalarMult,
  scalarMultVfy,
  sampleScalar,
} from "../../src/core/cpace.ts";

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// Appendix B.3 inputs
const PRS = ascii("Password");
const CI = bytes("0b415f696e69746961746f720b425f726573706f6e646572");
const SID = bytes("7e4b4791d6a8ef019b936c79fb7f2c57");
const YA_SCALAR = bytes("da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08");
const YB_SCALAR = bytes("d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d");
const YA = "d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157";
const YB = "3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258";
const K = "80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f";

describe("string utilities (A.1.2)", () => {
  test("prepend_len", () => {
    expect(hex(prependLen(new Uint8Array(0)))).toBe("00");
    expect(hex(prependLen(ascii("1234")))).toBe("0431323334");
    expect(hex(prependLen(new Uint8Array(127))).slice(0, 2)).toBe("7f");
    expect(hex(prependLen(new Uint8Array(128))).slice(0, 4)).toBe("8001");
    expect(hex(prependLen(new Uint8Array(300))).slice(0, 4)).toBe("ac02");
  });
  test("lv_cat", () => {
    expect(hex(lvCat(ascii("1234"), ascii("5"), new Uint8Array(0), ascii("678")))).toBe("04313233340135000336373" + "8");
  });
});

describe("ristretto255 / SHA-512 test vectors (B.3)", () => {
  test("B.3.1 generator_string, hash and encoded generator", () => {
    const s = generatorString(PRS, CI, SID);
    expect(s.length).toBe(170);
    expect(hex(s)).toBe(
      "11435061636552697374726574746f3235350850617373776f726464" + "00".repeat(100) +
        "180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57",
    );
    expect(hex(calculateGenerator(PRS, CI, SID).toBytes())).toBe("222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56");
  });

  test("B.3.2–B.3.4 shares and the secret point K from both sides", () => {
    const g = calculateGenerator(PRS, CI, SID);
    const ya = scalarFromBytes(YA_SCALAR);
    const yb = scalarFromBytes(YB_SCALAR);
    expect(hex(scalarMult(ya, g))).toBe(YA);
    expect(hex(scalarMult(yb, g))).toBe(YB);
    expect(hex(scalarMultVfy(ya, bytes(YB))!)).toBe(K);
    expect(hex(scalarMultVfy(yb, bytes(YA))!)).toBe(K);
  });

  test("B.3.5 ISK, initiator/responder transcript", () => {
    const isk = intermediateKey(SID, bytes(K), bytes(YA), ascii("ADa"), bytes(YB), ascii("ADb"));
    expect(hex(isk)).toBe(
      "b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447",
    );
  });

  test("B.3.10 scalar_mult_vfy with valid inputs", () => {
    const s = scalarFromBytes(bytes("7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05"));
    const x = bytes("2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c");
    expect(hex(scalarMultVfy(s, x)!)).toBe("7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e");
  });

  test("B.3.11 invalid inputs: a non-decodable encoding and the identity abort (null)", () => {
    const s = scalarFromBytes(bytes("7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05"));
    expect(scalarMultVfy(s, bytes("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"))).toBeNull();
    expect(scalarMultVfy(s, new Uint8Array(32))).toBeNull();
    expect(scalarMultVfy(s, new Uint8Array(31))).toBeNull();
  });
});

describe("sampling", () => {
  test("scalars are below 2^252, non-zero and fresh", () => {
    const a = sampleScalar();
    const b = sampleScalar();
    expect(a).not.toBe(b);
    for (const s of [a, b]) {
      expect(s > 0n).toBe(true);
      expect(s < 1n << 252n).toBe(true);
    }
  });
});
