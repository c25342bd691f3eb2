/**
 * The NIC's DMA engine, one half per direction: a FIFO single server whose service per DMA is a
 * fixed request cost (descriptor handling, tag and completion bookkeeping) plus the DMA's bytes at
 * the engine's internal data rate (between the PCIe core and the NIC's memory). pcie-bench measured
 * such an engine limiting small DMAs (~47 M DMA writes/s at 64 B, calibration.md); the parameters
 * are nic.dma* in ./params.ts and the fit is checked by ./calibration.ts.
 */
import { Port, psPerByteGBps } from "./port.js";

export class DmaEngine {
  readonly port: Port;
  private readonly requestPs: number;

  constructor(name: string, requestNs: number, gBps: number) {
    this.port = new Port(name, psPerByteGBps(gBps));
    this.requestPs = Math.round(requestNs * 1000);
  }

  /** Engine time of one DMA of `bytes`, integer ps. */
  service(bytes: number): number {
    return this.requestPs + this.port.svc(bytes);
  }

  /** Queue a DMA of `bytes` arriving at `t` (ps); returns when the engine has finished it. */
  offer(t: number, bytes: number): number {
    return this.port.offer(t, bytes, this.service(bytes));
  }

  /** Bytes of DMAs of this size that the engine's backlog at `t` amounts to (0 when idle). */
  backlogBytes(t: number, bytes: number): number {
    const wait = this.port.nextFree - t;
    return wait > 0 ? (wait * bytes) / this.service(bytes) : 0;
  }
}
