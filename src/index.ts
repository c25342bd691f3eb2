/**
 * tphlab as a library: the public API ("tphlab"). What a user of the model needs, layer by layer:
 * TLP bytes, config space and lspci, the link model, the kernel model with its revisions, the
 * userspace facade, the conformance catalogue and scenarios. Every type that appears in these
 * signatures is exported too (a test checks it). Everything else is reachable, unstable, through
 * "tphlab/internal".
 */

// Errors: bad input (with a path per issue) and model inconsistencies.
export { InputError, type Issue, ModelError } from "./base/errors.js";

// TLPs: encode, decode strictly, or analyze a capture like a protocol analyzer.
export {
  analyzeTlp,
  decodeTlp,
  type EncodeOptions,
  encodeTlp,
  type TlpAnalysis,
  type TlpViolation,
  toHex,
} from "./pcie/tlp.js";
export { tlpToJson } from "./pcie/tlp-json.js";
export { validateTlp } from "./pcie/tlp-rules.js";
export {
  type AddressBits,
  type CompletionTlp,
  type CplDTlp,
  type CplStatus,
  type CplTlp,
  formatRid,
  type MemRequestTlp,
  type MRdTlp,
  type MWrTlp,
  PH_NAMES,
  parseRid,
  type RequesterEnable,
  type Tlp,
  type TlpBytes,
  TlpError,
  type TlpKind,
  tlpTransactionBytes,
} from "./pcie/tlp-types.js";

// Config space, capabilities, lspci.
export { ConfigSpace } from "./pcie/config-space.js";
export { type DumpDevice, formatSlot, type PciSlot, parseBinaryConfig, parseLspciDump } from "./pcie/dump.js";
export {
  type CapabilityWalk,
  type CapEntry,
  type CapKind,
  type ChainProblem,
  findCapability,
  walkCapabilities,
} from "./pcie/capabilities.js";
export { decodeTph, type TphRequester } from "./pcie/caps/tph.js";
export { type DevCap2, decodeExpress, type ExpressCap } from "./pcie/caps/express.js";
export { decodeMsix } from "./pcie/caps/msix.js";
export { PciIds, parsePciIds } from "./pcie/pci-ids.js";
export { type LspciDevice, type LspciOptions, renderLspci } from "./report/lspci/render.js";
export { type LspciJson, type LspciJsonOptions, lspciJson } from "./report/lspci/json.js";

// The analytic link bandwidth model (pcie-bench).
export {
  type BandwidthPoint,
  type LinkBandwidth,
  type LinkConfig,
  type LinkConfigInput,
  linkModel,
  type ResolvedLinkConfig,
  resolveLinkConfig,
  validateLinkConfig,
} from "./pcie/link.js";

// The kernel model and its revisions of the series.
export { type Behaviours, isRevisionName, REVISION_NAMES, type RevisionName } from "./kernel/revision.js";
export { type BootOptions, bootKernel, type CpuInfo, Kernel } from "./kernel/kernel.js";
export { pcieDisableTph, pcieEnableTph, pcieTphSetStEntry } from "./kernel/pci/tph.js";
export { pcieTphGetCpuSt } from "./kernel/pci/tph-cpu-st.js";
export { dmaBufGetPciTph } from "./kernel/dma-buf/dma-buf.js";
export { vfioDeviceFeature } from "./kernel/vfio/vfio_main.js";
export { checkInvariants, INVARIANT_NAMES } from "./kernel/invariants.js";

// A booted P2P machine and the userspace facade: bytes in, what C returns out.
export { bootMachine, type Machine, type MachineOptions, mkeyOf, tlpOf } from "./report/review/machine.js";
export { decode, encode } from "./kernel/include/uapi/codec.js";
export * as vfio from "./kernel/include/uapi/linux/vfio.js";
export * as verbsStructs from "./uapi/rdma/verbs-structs.js";
export { O_CLOEXEC, O_RDONLY, O_RDWR } from "./uapi/libc.js";
export {
  ibv_alloc_pd,
  ibv_dereg_mr,
  ibv_get_device_list,
  ibv_open_device,
  ibv_reg_dmabuf_mr,
  ibv_reg_mr,
  ibv_reg_mr_ex,
} from "./uapi/verbs.js";

// The conformance catalogue.
export { CATALOGUE, findCheck } from "./report/review/catalogue.js";
export { type CheckResult, runCatalogue, runCheck, type Verdict } from "./report/review/run.js";

// The discrete-event engine and the TLP-level fabric.
export { Simulator } from "./sim/engine.js";
export {
  buildFabric,
  Fabric,
  type FabricAcceleratorDesc,
  type FabricDesc,
  type FabricNicDesc,
} from "./hw/fabric/fabric.js";

// Scenarios: files, runs, results.
export { loadScenario, parseScenario } from "./scenario/load.js";
export type { Scenario } from "./scenario/scenario-schema.js";
export type { Step } from "./scenario/setup.js";
export type { RunProgress, SamplingOptions } from "./scenario/sampling.js";
export type { RunEvent, Series, Track, TrackAgg, TrackGroup, TrackUnit } from "./sim/series.js";
export type { TlpTraceRecord, TraceEv } from "./hw/fabric/trace.js";
export { runScenario, type RunOptions as ScenarioRunOptions } from "./scenario/run.js";
export { type RevisionResult, type RunOutcome, type RunReport, reportJson } from "./scenario/result.js";
export { renderOutcome } from "./scenario/table.js";
export { parameterReference, parameterRows } from "./scenario/docs.js";
export { DEMO_YAML, demoScenario } from "./scenario/demo.js";

// Types the signatures above hand out.
export type { ChainProblemKind } from "./pcie/capabilities.js";
export type { DecodedCap } from "./pcie/caps/types.js";
export type { MsixCap } from "./pcie/caps/msix.js";
export type { TphCapabilityRegister, TphControlRegister } from "./pcie/caps/tph.js";
export type { TphCompleter } from "./pcie/caps/express.js";
export type { DeviceJson } from "./report/lspci/json.js";
export type { LinkLayerOverhead } from "./pcie/link.js";
export type { LinkWidth, PayloadSize, PcieGen } from "./pcie/link-tables.js";
export type { Check, Scenario as CheckScenario } from "./report/review/scenario.js";
export type { UapiHeaders } from "./report/review/machine.js";
export type {
  CompleterResult,
  ConsumerResult,
  FlowResult,
  InvariantResult,
  LinkResult,
  TlpCounts,
} from "./scenario/result.js";
export type { DocRow, Infer } from "./scenario/schema.js";
export type { CpuTag } from "./hw/fabric/host.js";
export type {
  LaidFunction,
  LaidKind,
  LaidNode,
  PlatformDeviceKind,
  PlatformLayout,
  PlatformLink,
} from "./hw/platform.js";
export type { FabricParamsInput } from "./hw/fabric/params.js";
export type { FlowSpec } from "./hw/fabric/flow-spec.js";
export type { PublishedTagFn } from "./hw/fabric/snapshot.js";
export type { StTableEntry } from "./hw/fabric/accelerator.js";
export type { DecodeOptions, DecodeResult } from "./kernel/include/uapi/codec.js";
export type { Struct, StructInput, StructValue } from "./kernel/include/uapi/layout.js";
export type { DmaBuf, DmaBufTph } from "./kernel/dma-buf/dma-buf.js";
export type { InvariantOptions, InvariantReport } from "./kernel/invariants.js";
export type { PciDev } from "./kernel/pci/pci.js";
export type { P2pSystem, P2pSystemOptions } from "./kernel/p2p-system.js";
export type { P2pHost } from "./uapi/p2p-host.js";
export type { Libc } from "./uapi/libc.js";
export type { IbvContext, IbvDevice, IbvMr, IbvPd } from "./uapi/verbs.js";
export type { Mkey, Mlx5Device, TlpHints } from "./hw/mlx5/device.js";
export type { PciFunction } from "./hw/pci-function.js";
export type { PlatformFirmware, PlatformFirmwareDesc } from "./hw/platform-firmware.js";
export type { Topology, TopologyDesc } from "./hw/topology.js";
export type { BarLocation } from "./pcie/caps/msix.js";
export type { BurstSpec, TraceSpec } from "./hw/fabric/arrivals.js";
export type { CapabilityJson } from "./report/lspci/json.js";
export type { DeepPartial } from "./hw/fabric/param-spec.js";
export type { DmaSegment, MkcFields, Mlx5Caps } from "./hw/mlx5/device.js";
export type { DsmFailure, RootPortFirmwareDesc, StInfoDesc } from "./hw/platform-firmware.js";
export type { FabricParams } from "./hw/fabric/params.js";
export type { FlexType, InputOf, ValueOf } from "./kernel/include/uapi/layout.js";
export type { FlowConsumer, FlowExpect, FlowOp, SizeSampler } from "./hw/fabric/flow-spec.js";
export type { Host } from "./uapi/host.js";
export type { InvariantName, InvariantResult as KernelInvariantResult } from "./kernel/invariants.js";
export type { LatencySummary, PartitionResult } from "./scenario/result.js";
export type { Mlx5CoreDev } from "./kernel/net/ethernet/mellanox/mlx5/core/main.js";
export type { Mlx5IbDev } from "./kernel/infiniband/hw/mlx5/mlx5_ib.js";
export type { P2pAddresses, P2pTopology } from "./kernel/p2p-system.js";
export type { Schema } from "./scenario/schema.js";
export type { ShortRead } from "./kernel/include/uapi/codec.js";
export type { TagNamespace } from "./hw/fabric/accelerator.js";
export type { TopologyNodeDesc } from "./hw/topology.js";
export type { TphRequesterDesc } from "./hw/pci-function-desc.js";
export type { TphRequesterEnable, TphStLocation, TphStMode } from "./pcie/caps/tph.js";
export type { VfioDmaBufStruct } from "./kernel/include/uapi/linux/vfio.js";
export type { VfioPciCoreDevice } from "./kernel/vfio/pci/vfio_pci_core.js";
export type { AccelConsumerParams, HostConsumerParams } from "./hw/fabric/consumer-params.js";
export type { ArrayType, FlexCount, PrimType, WidePrim } from "./kernel/include/uapi/layout.js";
export type { MissingBytes } from "./kernel/include/uapi/codec.js";
export type { NoSteerPolicy } from "./hw/fabric/params.js";
export type { ParamValue } from "./hw/fabric/param-spec.js";
export type { Parsed } from "./scenario/schema.js";
export type { PciFunctionDesc, TphLocationName, TphModeName } from "./hw/pci-function-desc.js";
export type { StInfoFields } from "./hw/platform-firmware.js";
export type { BarDesc, MsixDesc, PciFunctionType } from "./hw/pci-function-desc.js";
export type { StInfoHalf } from "./hw/platform-firmware.js";
export type { Diagnostic } from "./scenario/diagnostics.js";
export type { RevisionBase } from "./kernel/revision.js";
export type { VfioTphTagLimit } from "./kernel/vfio/pci/vfio_pci_core.js";
export type { ByteLedger, HitsMisses, KernelCallRow, RunConfig } from "./scenario/result.js";
export type { HostInfo } from "./report/lspci/host.js";
export type { NameMode } from "./pcie/pci-ids.js";
export type { HostResource } from "./report/lspci/host.js";
