/**
 * Parameters of the NIC's DMA engine (./dma-engine.ts), part of the `nic` section of ./params.ts.
 *
 * PCIE_BENCH_DMA is the engine of the device pcie-bench measured on Gen3 x8 (calibration.md),
 * fitted so that the simulator reproduces its published figures (./calibration.ts, checked by
 * `tphlab calibrate` and its test). Each constant names the measurements it is fitted to:
 * - writeRequestNs, writeGBps: the 64 B and 128 B DMA write rates (24.3 and 42.4 Gb/s, i.e. 47.5 M
 *   and 41.4 M DMAs/s): a fixed cost per DMA plus the payload at the engine's internal rate;
 * - readRequestNs, readGBps: the 64 B read rate (31.9 Gb/s, 62.3 M DMAs/s), the 256 B read rate
 *   (47.7 Gb/s, below the link's 53.7) and the 2048 B read latency (1133 ns; the link and host
 *   account for ~880 ns of it): the engine stores a read DMA's data into its memory once the last
 *   completion is in, so a 2048 B DMA pays ~265 ns more than a 64 B one, and back-to-back small
 *   reads are limited by the same per-DMA work.
 * The default NIC is a 400 GbE device on a Gen5 x16 link, 8x the measured device's link bandwidth;
 * its engine is taken to be 8x faster in every part (an extrapolation: no published figure).
 */
import { MIN_RATE, num, type ParamSpec } from "./param-spec.js";

export const PCIE_BENCH_DMA = {
  writeRequestNs: 18,
  writeGBps: 20,
  readRequestNs: 7.5,
  readGBps: 7.5,
} as const;

/** How much faster the default NIC's engine is than the measured one (Gen5 x16 / Gen3 x8 link bandwidth). */
export const DMA_SCALE = 8;

const X = { extrapolated: true } as const;
const from = (what: string, v: number, op: string) =>
  `extrapolated: pcie-bench device's ${v} (fitted to calibration.md's ${what}) ${op} ${DMA_SCALE}`;

export const DMA_ENGINE: {
  readonly dmaWriteRequestNs: ParamSpec<number>;
  readonly dmaWriteGBps: ParamSpec<number>;
  readonly dmaReadRequestNs: ParamSpec<number>;
  readonly dmaReadGBps: ParamSpec<number>;
} = {
  dmaWriteRequestNs: num(
    PCIE_BENCH_DMA.writeRequestNs / DMA_SCALE,
    "ns",
    "DMA engine time per host-bound DMA (one per packet of a WRITE or SEND) before its MWr TLPs leave",
    from("64 B and 128 B write rates", PCIE_BENCH_DMA.writeRequestNs, "/"),
    { min: 0, ...X },
  ),
  dmaWriteGBps: num(
    PCIE_BENCH_DMA.writeGBps * DMA_SCALE,
    "GB/s",
    "DMA engine rate moving host-bound data from NIC memory to the PCIe core (after the request cost)",
    from("64 B and 128 B write rates", PCIE_BENCH_DMA.writeGBps, "x"),
    { min: MIN_RATE, ...X },
  ),
  dmaReadRequestNs: num(
    PCIE_BENCH_DMA.readRequestNs / DMA_SCALE,
    "ns",
    "DMA engine time to retire a read DMA (one per MRd batch: up to an MTU of READ response) once its last completion is in",
    from("64 B read rate", PCIE_BENCH_DMA.readRequestNs, "/"),
    { min: 0, ...X },
  ),
  dmaReadGBps: num(
    PCIE_BENCH_DMA.readGBps * DMA_SCALE,
    "GB/s",
    "DMA engine rate storing a read DMA's completion data into NIC memory (the DMA is done when all of it is stored)",
    from("2048 B read latency and 256 B read rate", PCIE_BENCH_DMA.readGBps, "x"),
    { min: MIN_RATE, ...X },
  ),
};
