/**
 * Every latency, bandwidth, size and cache parameter of the TLP-level fabric, with its default and
 * where the default comes from (../../../../shared/reference/calibration.md unless said otherwise).
 * Defaults marked `extrapolated` are not published figures: they are chosen to be plausible and
 * are meant to be changed. FABRIC_PARAMS is the one documented tree; fabricDefaults() gives the
 * plain values and resolveFabricParams() merges a partial override, reporting bad input.
 */
import { InputError, type Issue } from "../../base/errors.js";
import {
  ACCEL_CONSUMER,
  type AccelConsumerParams,
  HOST_CONSUMER,
  type HostConsumerParams,
} from "./consumer-params.js";
import { DMA_ENGINE } from "./dma-params.js";
import {
  bool,
  boolList,
  choice,
  type DeepPartial,
  defaultsOf,
  int,
  num,
  numList,
  resolveParams,
  type SpecTree,
} from "./param-spec.js";

/** What the accelerator's ingress does with a write it has no usable hint for. */
export type NoSteerPolicy = "bypass" | "default-partition";

export interface FabricParams {
  readonly link: {
    readonly mps: number;
    readonly mrrs: number;
    readonly ecrc: boolean;
    readonly propagationNs: number;
    readonly fcUpdateNs: number;
    readonly postedHeaderCredits: number;
    readonly postedDataCredits: number;
    readonly nonPostedHeaderCredits: number;
    readonly nonPostedDataCredits: number;
  };
  readonly switch: { readonly latencyNs: number; readonly acsRedirect: boolean };
  readonly rootComplex: {
    readonly portLatencyNs: number;
    readonly p2pPenaltyNs: number;
    readonly p2pCompletionGBps: number;
    readonly p2pPostedGBps: number;
  };
  readonly host: {
    readonly memoryGBps: number;
    readonly dramLatencyNs: number;
    readonly llcLatencyNs: number;
    readonly lineBytes: number;
    readonly llcSets: number;
    readonly llcWays: number;
    readonly ddio: boolean;
    readonly ddioWays: number;
    readonly l2Sets: number;
    readonly l2Ways: number;
    readonly cpus: number;
    readonly consumer: HostConsumerParams;
  };
  readonly accelerator: {
    readonly ingressGBps: number;
    readonly ingressLatencyNs: number;
    readonly readHitLatencyNs: number;
    readonly remotePartitionPenaltyNs: number;
    readonly lineBytes: number;
    readonly cacheSets: number;
    readonly partitionWays: readonly number[];
    readonly phAllocate: readonly boolean[];
    readonly noHint: NoSteerPolicy;
    readonly unknownTag: NoSteerPolicy;
    readonly defaultPartition: number;
    readonly hbmGBps: number;
    readonly hbmReadLatencyNs: number;
    readonly hbmWriteLatencyNs: number;
    readonly consumer: AccelConsumerParams;
  };
  readonly nic: {
    readonly lineRateGbps: number;
    readonly mtu: number;
    readonly packetOverheadBytes: number;
    readonly networkLatencyNs: number;
    readonly rxLatencyNs: number;
    readonly maxOutstandingReads: number;
    readonly bufferBytes: number;
    readonly pcieRxGBps: number;
    readonly dmaWriteRequestNs: number;
    readonly dmaWriteGBps: number;
    readonly dmaReadRequestNs: number;
    readonly dmaReadGBps: number;
  };
  readonly metrics: { readonly warmupNs: number };
}

export type FabricParamsInput = DeepPartial<FabricParams>;

const X = { extrapolated: true } as const;
const NS = "ns";
const GBPS = "GB/s";
const POS = { min: 0 } as const;

const LINK: SpecTree<FabricParams["link"]> = {
  mps: int(256, "B", "Max Payload Size of every link", "calibration.md reference config (MPS 256)", {
    min: 128,
    max: 4096,
  }),
  mrrs: int(512, "B", "Max Read Request Size of the NIC", "calibration.md reference config (MRRS 512)", {
    min: 128,
    max: 4096,
  }),
  ecrc: bool(
    false,
    "every TLP carries the 4-byte ECRC digest",
    "calibration.md: ECRC adds 4 B; off by default",
  ),
  propagationNs: num(
    20,
    NS,
    "one direction of a link: PHY/PCS and data link pipelines of both ends plus flight",
    "extrapolated; with the other latencies it reproduces the 600 ns host read",
    { ...POS, ...X },
  ),
  fcUpdateNs: num(
    0,
    NS,
    "extra delay before a receiver's UpdateFC returns freed credits (beyond the link's propagation and the DLLP itself)",
    "UpdateFC pacing already costs bandwidth in the link model; 0 = return as soon as freed",
    { ...POS, ...X },
  ),
  postedHeaderCredits: int(
    256,
    "credits",
    "posted header credits a receiver advertises",
    "extrapolated: covers the credit loop through a 150 ns switch for 64-byte TLPs at Gen5 x16 (~650 M TLPs/s x ~200 ns)",
    { min: 1, max: 4096, ...X },
  ),
  postedDataCredits: int(
    2048,
    "16 B credits",
    "posted data credits (16 B each) a receiver advertises",
    "extrapolated: 32 KiB covers the credit loop at Gen5 x16",
    { min: 8, max: 65536, ...X },
  ),
  nonPostedHeaderCredits: int(
    256,
    "credits",
    "non-posted header credits a receiver advertises",
    "extrapolated: as posted headers, for 64-byte reads at Gen5 x16",
    { min: 1, max: 4096, ...X },
  ),
  nonPostedDataCredits: int(
    64,
    "16 B credits",
    "non-posted data credits (MRd carries none; kept for completeness)",
    "extrapolated",
    { min: 1, max: 65536, ...X },
  ),
};

const SWITCH: SpecTree<FabricParams["switch"]> = {
  latencyNs: num(
    150,
    NS,
    "cut-through latency, ingress port to egress port",
    "calibration.md: Broadcom/PLX PEX8796, at most 150 ns port to port",
    POS,
  ),
  acsRedirect: bool(
    false,
    "ACS P2P Request/Completion Redirect: peer-to-peer goes up to the root complex and back",
    "PCIe Base 6.0 section 6.12 (ACS); off by default",
  ),
};

const ROOT_COMPLEX: SpecTree<FabricParams["rootComplex"]> = {
  portLatencyNs: num(
    100,
    NS,
    "through a root port and the I/O hub, each direction",
    "extrapolated: unloaded PCIe path 300-400 ns (calibration.md)",
    { ...POS, ...X },
  ),
  p2pPenaltyNs: num(
    100,
    NS,
    "extra latency when the root complex forwards peer to peer",
    "extrapolated: RC P2P is slower than through a switch (calibration.md)",
    { ...POS, ...X },
  ),
  p2pCompletionGBps: num(
    7.1,
    GBPS,
    "root complex forwarding rate for peer-to-peer completions (P2P reads); 0 = no limit",
    "calibration.md: 7.1 GB/s P2P reads vs 9.4 GB/s to host RAM on one Xeon",
    POS,
  ),
  p2pPostedGBps: num(
    0,
    GBPS,
    "root complex forwarding rate for peer-to-peer posted writes; 0 = no limit",
    "no published P2P write limit in calibration.md; unlimited by default",
    { ...POS, ...X },
  ),
};

const HOST: SpecTree<FabricParams["host"]> = {
  memoryGBps: num(
    100,
    GBPS,
    "rate the memory path accepts device TLPs",
    "extrapolated: a server's memory bandwidth, not a bottleneck",
    { min: 0.001, ...X },
  ),
  dramLatencyNs: num(
    328.5,
    NS,
    "root port to data for a device read that misses the LLC",
    "calibrated: 64 B Gen3 x8 read from a root port = 600 ns cold with the measured device's DMA engine (pcie-bench, calibration.md; tphlab calibrate)",
    POS,
  ),
  llcLatencyNs: num(
    288.5,
    NS,
    "root port to data for a device read that hits the LLC",
    "calibrated: 560 ns when the data is in the LLC, with the measured device's DMA engine (pcie-bench, calibration.md; tphlab calibrate)",
    POS,
  ),
  lineBytes: int(64, "B", "host cache line", "x86 cache line", { min: 16, max: 4096 }),
  llcSets: int(
    32768,
    "sets",
    "LLC sets (22 MiB with 11 ways of 64 B lines)",
    "extrapolated: a Skylake-SP-sized LLC",
    { min: 1, ...X },
  ),
  llcWays: int(11, "ways", "LLC associativity", "Skylake-SP LLC is 11-way", { min: 1, max: 64 }),
  ddio: bool(
    true,
    "device writes allocate in the LLC (Intel DDIO) instead of going to DRAM",
    "DDIO is on by default on Xeon",
  ),
  ddioWays: int(
    2,
    "ways",
    "LLC ways DDIO may allocate into",
    "calibration.md: DDIO uses 2 LLC ways by default on Skylake-SP",
    { min: 1, max: 64 },
  ),
  l2Sets: int(1024, "sets", "per-CPU L2 sets (1 MiB with 16 ways)", "Skylake-SP L2: 1 MiB, 16-way", {
    min: 1,
  }),
  l2Ways: int(16, "ways", "per-CPU L2 associativity", "Skylake-SP L2: 16-way", { min: 1, max: 64 }),
  cpus: int(16, "CPUs", "logical CPUs a steering tag can name", "extrapolated", { min: 1, max: 4096, ...X }),
  consumer: HOST_CONSUMER,
};

const ACCELERATOR: SpecTree<FabricParams["accelerator"]> = {
  ingressGBps: num(
    128,
    GBPS,
    "rate the ingress block accepts TLPs",
    "extrapolated: faster than a Gen5 x16 link",
    { min: 0.001, ...X },
  ),
  ingressLatencyNs: num(20, NS, "accept to data in cache or at the HBM write queue", "extrapolated", {
    ...POS,
    ...X,
  }),
  readHitLatencyNs: num(
    40,
    NS,
    "read request accepted to data ready on a hit in the selected partition",
    "extrapolated",
    { ...POS, ...X },
  ),
  remotePartitionPenaltyNs: num(
    20,
    NS,
    "extra read latency when the line is in another partition",
    "extrapolated",
    { ...POS, ...X },
  ),
  lineBytes: int(128, "B", "ingress cache line", "extrapolated: GPU L2 lines are 128 B", {
    min: 16,
    max: 4096,
    ...X,
  }),
  cacheSets: int(16384, "sets", "ingress cache sets (32 MiB with 16 ways of 128 B)", "extrapolated", {
    min: 1,
    ...X,
  }),
  partitionWays: numList(
    [8, 4, 4],
    "ways",
    "ways of each partition (partition i gets the next partitionWays[i] ways)",
    "extrapolated: way partitioning as in Intel CAT/DDIO",
    { min: 1, max: 64, integer: true, ...X },
  ),
  phAllocate: boolList(
    [true, false, true, true],
    "per PH (Bi-directional, Requester, Target, Target with Priority): does a hinted write allocate in its partition",
    "PCIe Base Table 2-18 meanings; the mapping is device specific (extrapolated)",
    true,
  ),
  noHint: choice<NoSteerPolicy>(
    "bypass",
    ["bypass", "default-partition"],
    "writes without TH: straight to HBM, or allocate in the default partition",
    "extrapolated: the cache holds steered data only",
    true,
  ),
  unknownTag: choice<NoSteerPolicy>(
    "default-partition",
    ["bypass", "default-partition"],
    "writes whose tag is not in the owner's table",
    "extrapolated",
    true,
  ),
  defaultPartition: int(0, "index", "partition for unknown tags and reads without TH", "extrapolated", {
    min: 0,
    max: 63,
    ...X,
  }),
  hbmGBps: num(1600, GBPS, "HBM bandwidth seen by the ingress block", "extrapolated: HBM2e-class stacks", {
    min: 0.001,
    ...X,
  }),
  hbmReadLatencyNs: num(300, NS, "HBM read latency for a read request that misses", "extrapolated", {
    ...POS,
    ...X,
  }),
  hbmWriteLatencyNs: num(100, NS, "HBM write latency (bypassing write to data in HBM)", "extrapolated", {
    ...POS,
    ...X,
  }),
  consumer: ACCEL_CONSUMER,
};

const NIC: SpecTree<FabricParams["nic"]> = {
  lineRateGbps: num(400, "Gb/s", "network port line rate", "a ConnectX-7-class 400 GbE port", { min: 0.001 }),
  mtu: int(4096, "B", "RoCE path MTU (payload per packet)", "InfiniBand/RoCE maximum MTU", {
    min: 256,
    max: 4096,
  }),
  packetOverheadBytes: int(
    82,
    "B",
    "wire bytes per packet besides payload",
    "RoCEv2: preamble+IFG 20, Ethernet 18, IPv4 20, UDP 8, BTH 12, ICRC 4",
    POS,
  ),
  networkLatencyNs: num(
    1000,
    NS,
    "one way between the remote peer and the NIC port",
    "extrapolated: one switch hop in a data center",
    { ...POS, ...X },
  ),
  rxLatencyNs: num(
    300,
    NS,
    "packet fully received to its first TLP ready (WRITE/SEND); request to first MRd (READ)",
    "extrapolated",
    { ...POS, ...X },
  ),
  maxOutstandingReads: int(
    256,
    "requests",
    "MRd requests in flight",
    "PCIe Base 6.0 section 2.2.6.2: 8-bit Tag = 256 outstanding requests",
    { min: 1, max: 65536 },
  ),
  bufferBytes: int(
    1048576,
    "B",
    "packet buffer: a packet is dropped when more than this waits for the PCIe link",
    "extrapolated",
    { min: 0, ...X },
  ),
  pcieRxGBps: num(256, GBPS, "rate the NIC accepts completions", "extrapolated: faster than any link", {
    min: 0.001,
    ...X,
  }),
  ...DMA_ENGINE,
};

/** The one documented parameter tree. */
export const FABRIC_PARAMS: SpecTree<FabricParams> = {
  link: LINK,
  switch: SWITCH,
  rootComplex: ROOT_COMPLEX,
  host: HOST,
  accelerator: ACCELERATOR,
  nic: NIC,
  metrics: {
    warmupNs: num(
      0,
      NS,
      "statistics (goodput, latency, utilization) ignore what happens before this time",
      "measurement choice",
      POS,
    ),
  },
};

/** The default values, as a plain object. */
export function fabricDefaults(): FabricParams {
  return defaultsOf(FABRIC_PARAMS);
}

/** Defaults overridden by `input`; InputError naming `path.section.key` for every problem. */
export function resolveFabricParams(input: FabricParamsInput | undefined, path = "params"): FabricParams {
  const p = resolveParams(FABRIC_PARAMS, input, path);
  const issues = crossChecks(p, path);
  if (issues.length > 0) throw new InputError(issues);
  return p;
}

/** Constraints between parameters. */
function crossChecks(p: FabricParams, path: string): Issue[] {
  const issues: Issue[] = [];
  const add = (at: string, message: string) =>
    issues.push({ code: "invalid", path: `${path}.${at}`, message });
  const pow2 = (n: number) => Number.isInteger(Math.log2(n));
  if (!pow2(p.link.mps)) add("link.mps", "must be a power of two");
  if (!pow2(p.link.mrrs)) add("link.mrrs", "must be a power of two");
  if (p.link.postedDataCredits * 16 < p.link.mps) {
    add("link.postedDataCredits", `must hold one MPS TLP (${p.link.mps / 16} credits)`);
  }
  if (p.host.ddioWays > p.host.llcWays) add("host.ddioWays", "must not exceed llcWays");
  const ways = p.accelerator.partitionWays.reduce((a, b) => a + b, 0);
  if (ways > 64) add("accelerator.partitionWays", "at most 64 ways in total");
  if (p.accelerator.defaultPartition >= p.accelerator.partitionWays.length) {
    add("accelerator.defaultPartition", "must name a partition");
  }
  return issues;
}
