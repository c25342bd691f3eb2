/** The TLP-level data path: links, switch, root complex, NIC, accelerator, host; see ./fabric.ts. */
export type { StTableEntry, TagNamespace } from "./accelerator.js";
export { AcceleratorModel } from "./accelerator.js";
export type { FabricBenchOptions, FabricBenchResult } from "./bench.js";
export { benchScenarios, formatFabricBench } from "./bench.js";
export type { PartitionStats } from "./cache.js";
export { WayCache } from "./cache.js";
export type { FabricDesc, InvariantCheck } from "./fabric.js";
export { buildFabric, Fabric } from "./fabric.js";
export type { FlowConsumer, FlowExpect, FlowOp, FlowSpec, SizeSampler } from "./flow-spec.js";
export { choiceSize, constantSize, FLOW_OPS, uniformSize, validateFlowSpec } from "./flow-spec.js";
export type { CpuTag, HostStats } from "./host.js";
export { cpuTagsFromFirmware } from "./host.js";
export type { ParamKind, ParamSpec, ParamValue, SpecTree } from "./param-spec.js";
export { listParams } from "./param-spec.js";
export type { FabricParams, FabricParamsInput, NoSteerPolicy } from "./params.js";
export { FABRIC_PARAMS, fabricDefaults, resolveFabricParams } from "./params.js";
export type {
  ConsumerSummary,
  FabricResults,
  FlowResult,
  InvariantResult,
  LatencySummary,
  LinkResult,
  PortResult,
} from "./results.js";
export type { FabricSamplerOptions } from "./sampler.js";
export { FabricSampler, sampleFabric } from "./sampler.js";
export type { PublishedTagFn } from "./snapshot.js";
export type { FabricShape, MrOptions, Testbed, TestbedOptions } from "./testbed.js";
export { acceleratorFunctionDesc, buildTestbed, enableNicTph, registerMr } from "./testbed.js";
export type { TlpTraceRecord, TraceEv } from "./trace.js";
