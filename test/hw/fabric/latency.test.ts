/**
 * One isolated read: its round trip (MRd issued -> last CplD accepted by the NIC, when its tag
 * frees) equals the sum of the configured component latencies, in integer picoseconds, for each
 * path: through a switch, peer to peer through the root complex, ACS-redirected through the root
 * complex, and to host memory. Its DMA latency is the round trip plus the NIC's DMA engine storing
 * the data (its request cost plus the bytes at its rate); with the measured device's engine it must
 * reproduce calibration.md's 600 ns cold / 560 ns LLC-hit 64-byte read.
 */
import { describe, expect, it } from "vitest";
import { PCIE_BENCH_DEVICE } from "../../../src/hw/fabric/calibration.js";
import { type FabricParams, fabricDefaults, resolveFabricParams } from "../../../src/hw/fabric/index.js";
import { linkModel } from "../../../src/pcie/link.js";
import { ps, rig } from "./helpers.js";

const P = fabricDefaults();
const MRD = 24; // 8 framing/seq/LCRC + 16-byte header (64-bit address)
const CPLD64 = 20 + 64;

/** Serialization of `bytes` on a Gen`gen` x`width` link, ps. */
function ser(gen: number, width: number, bytes: number): number {
  return Math.round((bytes * 8000) / linkModel({ gen, width, mps: 256, mrrs: 512 }).tlpGbps);
}
/** Service of `bytes` at `gBps` GB/s, ps. */
const at = (bytes: number, gBps: number) => Math.round((bytes * 1000) / gBps);

const prop = ps(P.link.propagationNs);
const sw = ps(P.switch.latencyNs);
const rc = ps(P.rootComplex.portLatencyNs);
const pen = ps(P.rootComplex.p2pPenaltyNs);
const nicRx = at(CPLD64, P.nic.pcieRxGBps);
/** The DMA engine storing a 64-byte read. */
const dmaIn = (p: FabricParams) => ps(p.nic.dmaReadRequestNs) + at(64, p.nic.dmaReadGBps);
/** Accelerator: ingress accept, lookup, miss to HBM (one 128-byte line). */
const accelRead =
  at(MRD + 64, P.accelerator.ingressGBps) + // the ingress serves the request and its 64 data bytes
  ps(P.accelerator.readHitLatencyNs) +
  at(P.accelerator.lineBytes, P.accelerator.hbmGBps) +
  ps(P.accelerator.hbmReadLatencyNs);

function oneRead(
  shape: "switch" | "root-ports" | "host",
  extra: Partial<typeof P.switch> = {},
  nic: typeof PCIE_BENCH_DEVICE.nic = {},
) {
  const { fabric } = rig({
    shape,
    gen: 3,
    width: 8,
    target: shape === "host" ? "host" : "accelerator",
    params: { switch: extra, nic },
    flows: (key) => [{ name: "r", op: "read", mkey: key, size: 64, messages: 1, consumer: false }],
  });
  const r = fabric.run(20_000);
  expect(r.flows.r!.readRoundTripNs.count).toBe(1);
  expect(r.flows.r!.readDmaNs.count).toBe(1);
  return { rtt: ps(r.flows.r!.readRoundTripNs.max!), dma: ps(r.flows.r!.readDmaNs.max!) };
}

/** The round trip is `want`; the DMA latency adds the engine's store of the 64 bytes. */
function expectRead(got: { rtt: number; dma: number }, want: number, p: FabricParams = P): void {
  expect(got.rtt).toBe(want);
  expect(got.dma).toBe(want + dmaIn(p));
}

describe("isolated read latency = sum of components (integer ps)", () => {
  const m = ser(3, 8, MRD);
  const c = ser(3, 8, CPLD64);

  it("through a cut-through switch", () => {
    // Cut-through: each hop after the first adds propagation + latency; a TLP serializes once per direction.
    expectRead(oneRead("switch"), m + prop + sw + prop + accelRead + c + prop + sw + prop + nicRx);
  });

  it("peer to peer through the root complex (penalty, completion rate limit)", () => {
    const cplPipe = at(64, P.rootComplex.p2pCompletionGBps); // store and forward in the RC
    const request = m + prop + (2 * rc + pen) + prop;
    const completion = c + prop + (2 * rc + pen) + cplPipe + c + prop;
    expectRead(oneRead("root-ports"), request + accelRead + completion + nicRx);
  });

  it("ACS redirect sends the switch's peer-to-peer through the root complex", () => {
    const cplPipe = at(64, P.rootComplex.p2pCompletionGBps);
    const request = m + prop + (sw + prop) + (2 * rc + pen + prop) + (sw + prop);
    const completion = c + prop + (sw + prop) + (2 * rc + pen) + cplPipe + c + prop + (sw + prop);
    expectRead(oneRead("switch", { acsRedirect: true }), request + accelRead + completion + nicRx);
  });

  const host = (p: FabricParams, memoryNs: number) =>
    m + prop + rc + at(MRD + 64, p.host.memoryGBps) + ps(memoryNs) + rc + c + prop + nicRx;

  it("to host memory with the default NIC: components exact", () => {
    expectRead(oneRead("host"), host(P, P.host.dramLatencyNs));
  });

  it("to host memory: 600 ns cold at Gen3 x8 with the measured device (calibration.md), components exact", () => {
    const dev = resolveFabricParams(PCIE_BENCH_DEVICE);
    const got = oneRead("host", {}, PCIE_BENCH_DEVICE.nic);
    expectRead(got, host(dev, dev.host.dramLatencyNs), dev);
    // Within 1.5 ns: the memory path also serves the 64 data bytes (0.64 ns at 100 GB/s).
    expect(Math.abs(got.dma - 600_000)).toBeLessThanOrEqual(1500);
  });

  it("to host memory: 560 ns with the measured device when a DDIO write left the line in the LLC", () => {
    const dev = resolveFabricParams(PCIE_BENCH_DEVICE);
    const { fabric } = rig({
      shape: "host",
      gen: 3,
      width: 8,
      target: "host",
      params: PCIE_BENCH_DEVICE,
      flows: (key) => [
        { name: "w", op: "write", mkey: key, size: 64, messages: 1, consumer: false },
        { name: "r", op: "read", mkey: key, size: 64, messages: 1, startNs: 5000, consumer: false },
      ],
    });
    const r = fabric.run(20_000);
    const got = ps(r.flows.r!.readDmaNs.max!);
    expect(ps(r.flows.r!.readRoundTripNs.max!)).toBe(host(dev, dev.host.llcLatencyNs));
    expect(got).toBe(host(dev, dev.host.llcLatencyNs) + dmaIn(dev));
    expect(Math.abs(got - 560_000)).toBeLessThanOrEqual(1500);
    expect(r.host.llcHits).toBe(1);
  });
});
