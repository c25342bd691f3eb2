/** The whole ordered TLP trace of tiny scenarios, asserted record by record (times in integer ps). */
import { describe, expect, it } from "vitest";
import { fabricDefaults } from "../../../src/hw/fabric/index.js";
import { linkModel } from "../../../src/pcie/link.js";
import { ps, rig } from "./helpers.js";

const P = fabricDefaults();
const tlpGbps = linkModel({ gen: 3, width: 8, mps: 256, mrrs: 512 }).tlpGbps;
const ser = (bytes: number) => Math.round((bytes * 8000) / tlpGbps);
const at = (bytes: number, gBps: number) => Math.round((bytes * 1000) / gBps);
const prop = ps(P.link.propagationNs);
const sw = ps(P.switch.latencyNs);
const NIC_UP = "0000:03:00.0 up";
const NIC_DOWN = "0000:03:00.0 down";
const ACC_UP = "0000:04:00.0 up";
const ACC_DOWN = "0000:04:00.0 down";

function traced(op: "write" | "read", size: number) {
  const { fabric } = rig({
    gen: 3,
    width: 8,
    tph: { ph: 2, stIndex: 1 },
    stTable: [[1, 0x21]],
    ownerTable: [{ namespace: "st8", st: 0x21, partition: 1, op: 4 }],
    flows: (key) => [{ name: "f", op, mkey: key, size, messages: 1, consumer: false }],
    extra: { trace: true },
  });
  fabric.run(10_000);
  return fabric.trace();
}

describe("TLP trace", () => {
  it("one 512-byte RDMA WRITE: two MWr TLPs through the switch into the accelerator", () => {
    const tag = { st: 0x21, ph: 2 };
    const rec = (t: number, ev: string, where: string, tlp: number, bytes = 256) => ({
      t,
      ev,
      where,
      kind: "MWr",
      flow: "f",
      msg: 0,
      tlp,
      bytes,
      ...tag,
    });
    // Received, then worked by the NIC's DMA engine (request cost plus 512 bytes at its rate).
    const engine = ps(P.nic.dmaWriteRequestNs) + at(512, P.nic.dmaWriteGBps);
    const ready =
      ps((512 + P.nic.packetOverheadBytes) * (8 / P.nic.lineRateGbps)) + ps(P.nic.rxLatencyNs) + engine;
    const s = ser(24 + 256);
    const down0 = ready + prop + sw; // cut-through: the switch starts prop + latency after the NIC
    const ing = at(24 + 256, P.accelerator.ingressGBps);
    const sink0 = down0 + s + prop + ing;
    const sink1 = down0 + 2 * s + prop + ing;
    expect(traced("write", 512)).toEqual([
      rec(ready, "send", "f", 0),
      rec(ready, "send", "f", 1),
      rec(ready, "link", NIC_UP, 0),
      rec(ready + s, "link", NIC_UP, 1),
      rec(down0, "link", ACC_DOWN, 0),
      rec(down0 + s, "link", ACC_DOWN, 1),
      rec(sink0, "sink", "0000:04:00.0 ingress", 0),
      rec(sink1, "sink", "0000:04:00.0 ingress", 1),
      rec(sink1 + ps(P.accelerator.ingressLatencyNs), "land", "0000:04:00.0", -1, 512),
    ]);
  });

  it("one 64-byte RDMA READ: the request, one MRd out, one CplD back", () => {
    const t0 = ps(P.nic.rxLatencyNs);
    const m = ser(24);
    const c = ser(20 + 64);
    const down = t0 + prop + sw;
    const ingress = down + m + prop + at(24 + 64, P.accelerator.ingressGBps); // header + data served
    const ready =
      ingress +
      ps(P.accelerator.readHitLatencyNs) +
      at(128, P.accelerator.hbmGBps) +
      ps(P.accelerator.hbmReadLatencyNs);
    const back = ready + prop + sw;
    const rx = back + c + prop + at(20 + 64, P.nic.pcieRxGBps);
    const mrd = (t: number, ev: string, where: string, tlp = 0, bytes = 64) => ({
      t,
      ev,
      where,
      kind: "MRd",
      flow: "f",
      msg: 0,
      tlp,
      bytes,
      st: 0x21,
      ph: 2,
    });
    const cpl = (t: number, ev: string, where: string, tlp = 0) => ({
      t,
      ev,
      where,
      kind: "CplD",
      flow: "f",
      msg: 0,
      tlp,
      bytes: 64,
    });
    expect(traced("read", 64)).toEqual([
      { t: t0, ev: "rx", where: "request", kind: "MRd", flow: "f", msg: 0, tlp: -1, bytes: 64 },
      mrd(t0, "send", "f"),
      mrd(t0, "link", NIC_UP),
      mrd(down, "link", ACC_DOWN),
      mrd(ingress, "sink", "0000:04:00.0 ingress"),
      cpl(ready, "link", ACC_UP),
      cpl(back, "link", NIC_DOWN),
      cpl(rx, "sink", "0000:03:00.0 pcie rx"),
      cpl(rx, "rx", "nic", -1),
    ]);
  });
});
