/**
 * The scenario file's schema: the system (topology; per device section: link, switch,
 * rootComplex, host, accelerator, nic, metrics), the TPH setup the kernel performs (who sets which
 * ST/PH: the accelerator owner's dma-buf SET, or a DMAH), the workload (flows) and the timeline of
 * kernel events. Each device section holds the kernel-side settings (config space, firmware) next
 * to the data path's parameters, which derive from the fabric's documented tree (fabric-params.ts).
 */
import { FLOW_OPS } from "../hw/fabric/flow-spec.js";
import { parseRevisionSpec, REVISION_NAMES, type RevisionName } from "../kernel/revision.js";
import { fabricSection } from "./fabric-params.js";
import { shapeFields } from "./flow-shape.js";
import { platformSchema } from "./platform-schema.js";
import {
  BAD,
  boolean,
  describeValue,
  type Infer,
  integer,
  list,
  oneOf,
  quantity,
  real,
  type Schema,
  text,
  union,
} from "./schema.js";
import { defaultsOf, object, optional, required, tagged, withDefault } from "./schema-object.js";

/** A revision spec, BASE[+FIX...] (kernel/revision.ts parseRevisionSpec), kept in canonical form. */
const REVISION: Schema<RevisionName> = {
  type: `${REVISION_NAMES.join(" | ")}[+fix...]`,
  expected: `a revision (${REVISION_NAMES.join(", ")}) optionally followed by +fix names`,
  accepts: (v) => typeof v === "string",
  show: (s) => s,
  parse(v, path, r) {
    if (typeof v !== "string") {
      r.report(
        path,
        "choice",
        `expected a revision such as v11+requery-after-invalidate, found ${describeValue(v)}`,
      );
      return BAD;
    }
    const spec = parseRevisionSpec(v);
    if (spec.ok) return spec.name;
    r.report(path, "choice", spec.issues.join("; "));
    return BAD;
  },
};

const NAME = text({ pattern: /^[A-Za-z][\w-]{0,39}$/, what: "a name (letters, digits, _ or -)" });
const MS = 1e9;

/** How devices hang together: one switch below one Root Port, or each device on its own Root Port. */
export const TOPOLOGY_KINDS = ["switch", "root-complex"] as const;
/** DevCap2 TPH Completer Supported, by name (PCIe Base 6.0 section 7.5.3.15): 0, 1, 3. */
export const COMPLETER_NAMES = { none: 0, tph: 1, ext: 3 } as const;
const COMPLETER = oneOf(["none", "tph", "ext"] as const);

const steeringTag = object({
  cpu: required(integer({ min: 0, max: 8191 }), "logical CPU (= ACPI Processor UID)"),
  memType: withDefault(
    oneOf(["volatile", "persistent"] as const),
    "volatile",
    "which half of st_info the tags fill",
  ),
  st: optional(integer({ min: 0, max: 0xff, hex: true }), "8-bit steering tag (vm_st / pm_st)"),
  xst: optional(integer({ min: 0, max: 0xffff, hex: true }), "16-bit extended tag (vm_xst / pm_xst)"),
});

const host = object({
  ...fabricSection("host"),
  rootPortCompleter: withDefault(
    COMPLETER,
    "ext",
    "TPH Completer Supported of the Root Port(s): what mlx5's requester type is negotiated against",
    "linux-tph-stack.md section 1 step 6",
  ),
  steeringTags: withDefault(
    list(steeringTag),
    [],
    "what the Root Port's ACPI _DSM (function 0xF) answers per CPU; CPUs not listed get no tag",
    "linux-tph-stack.md section 1",
  ),
});

/** The NIC's kernel-side keys (config space, firmware), next to its data path parameters. */
export const NIC_KERNEL_FIELDS = {
  stTable: withDefault(
    oneOf(["table", "direct"] as const),
    "table",
    "ST table in the TPH capability (table mode) or none (direct mode: the mkey's 8-bit index is the tag)",
    "linux-tph-stack.md section 2",
  ),
  tableSize: withDefault(
    integer({ min: 2, max: 2048 }),
    64,
    "ST table entries (table mode)",
    "src/hw/mlx5/device.ts mlx5FunctionDesc",
  ),
  extended: withDefault(
    boolean(),
    true,
    "Extended TPH Requester Supported (can send 16-bit tags)",
    "pcie-tph.md section 1",
  ),
  mkeyPcieTph: withDefault(boolean(), true, "firmware capability mkey_pcie_tph", "src/hw/mlx5/device.ts"),
};
const nic = object({ ...fabricSection("nic"), ...NIC_KERNEL_FIELDS });

/** What the owner means by a tag: its device's ingress puts data with it in `partition`, applying `op`. */
const steering = {
  partition: optional(
    integer({ min: -1, max: 63 }),
    "the owner programs its accelerator so the tag(s) select this cache partition (-1: bypass to HBM)",
  ),
  op: withDefault(
    integer({ min: -1, max: 0xffff }),
    -1,
    "in-flight operation the ingress applies for the tag (-1: none)",
  ),
};

const tphSet = object({
  st: optional(integer({ min: 0, max: 0xff, hex: true }), "8-bit ST (VFIO_DMA_BUF_TPH_ST)"),
  stExt: optional(
    integer({ min: 0, max: 0xffff, hex: true }),
    "16-bit Extended ST (VFIO_DMA_BUF_TPH_ST_EXT)",
  ),
  ph: withDefault(integer({ min: 0, max: 3 }), 0, "processing hint", "pcie-tph.md section 3"),
  ...steering,
});

const stTableEntry = object({
  namespace: required(oneOf(["st8", "st16"] as const), "8-bit ST or 16-bit Extended ST"),
  st: required(integer({ min: 0, max: 0xffff, hex: true }), "the tag"),
  partition: required(integer({ min: -1, max: 63 }), "cache partition (-1: bypass)"),
  op: withDefault(integer({ min: -1, max: 0xffff }), -1, "in-flight operation (-1: none)"),
});

/** The accelerator's kernel-side keys, next to its data path parameters. */
export const ACCELERATOR_KERNEL_FIELDS = {
  completer: withDefault(
    COMPLETER,
    "ext",
    "the accelerator's TPH Completer Supported (DevCap2 bits 13:12)",
    "series.md (the accelerator completes TPH and Extended TPH)",
  ),
  barSize: withDefault(
    quantity("size", { min: 1 << 20, max: 2 ** 38 }),
    256 * 1024 * 1024,
    "size of BAR 0, the memory exported as dma-bufs (a power of two; the model's address map places at most 256GiB)",
    "extrapolation: an accelerator aperture",
  ),
  flr: withDefault(boolean(), true, "Function Level Reset capable", "PCIe Base 6.0 section 6.6.2"),
  stTable: withDefault(
    list(stTableEntry),
    [],
    "extra entries of the owner's device table (tag -> partition, op); buffers' tph adds its own",
  ),
};
const accelerator = object({ ...fabricSection("accelerator"), ...ACCELERATOR_KERNEL_FIELDS });

/** The `link` section: every link's default generation and width, and the link layer's parameters. */
export const LINK_SCHEMA = object({
  ...fabricSection("link"),
  gen: withDefault(
    integer({ min: 1, max: 6 }),
    4,
    "PCIe generation of every link (1 = 2.5 GT/s .. 6 = 64 GT/s)",
    "src/hw/pci-function-desc.ts (Gen4 x16 by default)",
  ),
  width: withDefault(
    integer({ min: 1, max: 32 }),
    16,
    "lanes of every link (1, 2, 4, 8, 12, 16 or 32)",
    "src/hw/pci-function-desc.ts",
  ),
});

/** A section of the data path's tree with nothing kernel-side in it. */
const section = <K extends "switch" | "rootComplex" | "metrics">(name: K) => object(fabricSection(name));

const buffer = object({
  name: required(NAME, "referenced by mrs[].buffer and timeline set-tph"),
  device: optional(NAME, "the accelerator exporting it (a platform device; default: the only one)"),
  offset: withDefault(quantity("size"), 0, "offset into BAR 0 (page aligned)"),
  length: required(quantity("size", { min: 4096 }), "bytes exported (page aligned)"),
  tph: optional(
    tphSet,
    "the owner's SET at setup (v11/proposed: VFIO_DEVICE_FEATURE_DMA_BUF_TPH; rfc: the export struct)",
  ),
});

const dmah = object({
  name: required(NAME, "referenced by mrs[].dmah"),
  cpu: optional(integer({ min: 0, max: 8191 }), "CPU whose steering tag the DMAH carries"),
  memType: withDefault(oneOf(["volatile", "persistent"] as const), "volatile", "TPH memory type"),
  ph: required(integer({ min: 0, max: 3 }), "processing hint (mandatory for mlx5)"),
});

const mr = object({
  name: required(NAME, "referenced by flows[].mr"),
  nic: optional(NAME, "the NIC it is registered on, which carries its flows (default: the only one)"),
  buffer: optional(NAME, "a dma-buf MR on this buffer (ibv_reg_mr_ex with fd)"),
  host: optional(
    quantity("size", { min: 4096, max: 2 ** 39 }),
    "or: an MR on this many bytes of host memory (the model's host memory map holds 512GiB)",
  ),
  dmah: optional(NAME, "a DMA handle given at registration (wins over the dma-buf's TPH)"),
});

const sizeDist = union<SizeDist>([
  quantity("size", { min: 1, max: 1 << 30 }),
  tagged(
    "dist",
    {
      uniform: {
        min: required(quantity("size", { min: 1, max: 1 << 30 }), "smallest message"),
        max: required(quantity("size", { min: 1, max: 1 << 30 }), "largest message"),
      },
      choice: {
        values: required(list(quantity("size", { min: 1, max: 1 << 30 }), { min: 1 }), "message sizes"),
        weights: optional(list(real({ min: 0 }), { min: 1 }), "relative weights (default: equal)"),
      },
    },
    { uniform: "sizes uniform in [min, max]", choice: "sizes drawn from a list" },
  ),
]);

/** A message size: fixed, uniform in a range, or drawn from a weighted list. */
export type SizeDist =
  | number
  | { readonly dist: "uniform"; readonly min: number; readonly max: number }
  | {
      readonly dist: "choice";
      readonly values: readonly number[];
      readonly weights: readonly number[] | undefined;
    };

const consumer = object({
  engines: withDefault(
    integer({ min: 1, max: 1024 }),
    1,
    "engines (or CPUs) reading the flow's messages in parallel",
  ),
  partition: optional(
    integer({ min: 0, max: 63 }),
    "accelerator: the partition the engines read first (default: the intended one)",
  ),
  cpu: optional(
    integer({ min: 0, max: 4095 }),
    "host: the CPU that reads the data (default: the intended CPU, else 0)",
  ),
});

const expectation = union<{ readonly partition: number; readonly op: number } | { readonly cpu: number }>(
  [
    object({
      partition: required(integer({ min: 0, max: 63 }), "accelerator cache partition the data is meant for"),
      op: withDefault(integer({ min: 0, max: 3 }), 0, "in-flight operation (the PH) meant"),
    }),
    object({ cpu: required(integer({ min: 0, max: 4095 }), "host CPU the data is meant for") }),
  ],
  "mapping",
);

const flow = object({
  name: required(NAME, "flow name in results"),
  op: required(
    oneOf(FLOW_OPS),
    "remote peers RDMA WRITE into the MR (NIC MWr), RDMA READ from it (NIC MRd), or SEND into it",
  ),
  mr: required(NAME, "the MR the NIC accesses"),
  size: optional(
    sizeDist,
    "message size (fixed, {dist: uniform, min, max} or {dist: choice, values, weights}); required unless trace",
  ),
  rate: optional(
    quantity("bandwidth", { min: 1 }),
    "open loop: offered load of message payload (with burst: while on)",
  ),
  arrival: withDefault(oneOf(["constant", "poisson"] as const), "constant", "open loop: inter-arrival times"),
  queueDepth: optional(
    integer({ min: 1, max: 1 << 20 }),
    "closed loop: messages outstanding (default 1 when no rate)",
  ),
  messages: optional(integer({ min: 0, max: 2 ** 52 }), "stop after this many messages (default: no limit)"),
  start: withDefault(
    quantity("time"),
    0,
    "first message at this time (the flow's goodput window opens here, or at the end of warm-up if later)",
  ),
  ...shapeFields,
  offset: withDefault(quantity("size"), 0, "byte offset into the MR where the flow's area starts"),
  length: optional(
    quantity("size", { min: 1 }),
    "bytes of the MR the flow cycles through (default: the rest of the MR)",
  ),
  consumer: optional(
    union<"none" | Infer<typeof consumer>>([oneOf(["none"] as const), consumer]),
    "who reads each message after it lands (none: nobody); default one engine or CPU",
  ),
  expect: optional(expectation, "intended steering; default: what the owner's published tag resolves to"),
});

const at = required(quantity("time"), "when (simulated time)");
const ownerDevice = optional(
  NAME,
  "the accelerator whose owner acts (a platform device; default: the only one)",
);
const timelineEvent = tagged(
  "action",
  {
    revoke: {
      at,
      by: required(
        oneOf(["flr", "memory-disable", "d3hot", "hot-reset", "close"] as const),
        "VFIO_DEVICE_RESET, command register write, PM write, VFIO_DEVICE_PCI_HOT_RESET, close(device fd)",
      ),
      device: ownerDevice,
    },
    unrevoke: { at, device: ownerDevice },
    "set-tph": {
      at,
      buffer: required(NAME, "the dma-buf"),
      st: optional(integer({ min: 0, max: 0xff, hex: true }), "8-bit ST"),
      stExt: optional(integer({ min: 0, max: 0xffff, hex: true }), "16-bit Extended ST"),
      ph: withDefault(integer({ min: 0, max: 3 }), 0, "processing hint"),
      ...steering,
    },
    reregister: { at, mr: required(NAME, "the MR to deregister and register again") },
  },
  {
    revoke: "an accelerator's owner revokes that accelerator's dma-bufs",
    unrevoke: "the owner re-enables memory decoding / returns to D0: its buffers come back",
    "set-tph": "the owner of the buffer's accelerator SETs a new tag on it (no st/stExt: clears it)",
    reregister: "the RDMA application deregisters the MR and registers it again (on the MR's NIC)",
  },
);

export const scenarioSchema = object({
  name: required(NAME, "scenario name"),
  description: withDefault(text(), "", "one line shown above the results"),
  seed: withDefault(integer({ min: 0, max: 0xffffffff }), 1, "random seed (overridden by --seed)"),
  duration: required(quantity("time", { min: 1, max: 10 * MS }), "simulated time"),
  revisions: withDefault(
    list(REVISION, { min: 1 }),
    ["mainline", "v11", "proposed"],
    "kernel revisions to compare (overridden by --revision)",
  ),
  topology: optional(
    oneOf(TOPOLOGY_KINDS),
    "shorthand for platform: {preset: switch | root-complex} (default switch): NIC and accelerator below one PCIe switch, or each on its own Root Port",
  ),
  platform: optional(
    platformSchema(NIC_KERNEL_FIELDS, ACCELERATOR_KERNEL_FIELDS),
    "the machine's PCIe tree: Root Ports, switches, NICs and accelerators (or a preset); see tphlab run --platforms",
  ),
  link: withDefault(LINK_SCHEMA, defaultsOf(LINK_SCHEMA), "every PCIe link (a platform's default link)"),
  switch: withDefault(section("switch"), defaultsOf(section("switch")), "the PCIe switch"),
  rootComplex: withDefault(section("rootComplex"), defaultsOf(section("rootComplex")), "the root complex"),
  host: withDefault(host, defaultsOf(host), "the host: CPUs, caches, memory, ACPI steering tags"),
  accelerator: withDefault(
    accelerator,
    defaultsOf(accelerator),
    "the accelerator (vfio-pci): TPH completer, cache partitions, HBM",
  ),
  nic: withDefault(nic, defaultsOf(nic), "the mlx5 NIC: TPH requester, network side"),
  metrics: withDefault(section("metrics"), defaultsOf(section("metrics")), "what the statistics count"),
  buffers: withDefault(list(buffer), [], "dma-bufs the accelerator owner exports"),
  dmah: withDefault(list(dmah), [], "DMA handles the RDMA application allocates"),
  mrs: required(list(mr, { min: 1 }), "memory regions the RDMA application registers"),
  flows: required(list(flow, { min: 1 }), "the workload"),
  timeline: withDefault(list(timelineEvent), [], "kernel events during the run"),
});

/** A validated scenario, defaults filled (times in ps, bandwidths in b/s, sizes in bytes). */
export type Scenario = Infer<typeof scenarioSchema>;
export type FlowDesc = Scenario["flows"][number];
export type TimelineEvent = Scenario["timeline"][number];
export type MrDesc = Scenario["mrs"][number];
export type BufferDesc = Scenario["buffers"][number];
export type DmahDesc = Scenario["dmah"][number];
export type PlatformBlock = NonNullable<Scenario["platform"]>;
