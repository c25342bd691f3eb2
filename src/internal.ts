/**
 * tphlab/internal: every module of every layer, re-exported for tools and experiments. NOT the
 * public API: names here change without notice. The supported surface is src/index.ts ("tphlab").
 */
export * from "./base/errors.js";
export * from "./hw/fabric/index.js";
export * from "./hw/mlx5/device.js";
export * from "./hw/mlx5/ifc.js";
export * from "./hw/pci-function.js";
export * from "./hw/pci-function-desc.js";
export * from "./hw/platform-firmware.js";
export * from "./hw/topology.js";
export * from "./kernel/acpi/acpi.js";
export * from "./kernel/dma-buf/dma-buf.js";
export * from "./kernel/dma-buf/dma-resv.js";
export * from "./kernel/errno.js";
export * from "./kernel/include/uapi/codec.js";
export * from "./kernel/include/uapi/layout.js";
export * from "./kernel/include/uapi/linux/vfio.js";
export * from "./kernel/infiniband/core/ib_verbs.js";
export * from "./kernel/infiniband/core/umem.js";
export * from "./kernel/infiniband/core/umem_dmabuf.js";
export * from "./kernel/infiniband/core/uverbs_cmd.js";
export * from "./kernel/infiniband/core/uverbs_main.js";
export * from "./kernel/infiniband/core/uverbs_std_types_dmah.js";
export * from "./kernel/infiniband/core/uverbs_std_types_mr.js";
export * from "./kernel/infiniband/hw/mlx5/dmah.js";
export * from "./kernel/infiniband/hw/mlx5/main.js";
export * from "./kernel/infiniband/hw/mlx5/mkc.js";
export * from "./kernel/infiniband/hw/mlx5/mlx5_ib.js";
export * from "./kernel/infiniband/hw/mlx5/mr.js";
export * from "./kernel/infiniband/hw/mlx5/mr_tph.js";
export * from "./kernel/infiniband/hw/mlx5/odp.js";
export * from "./kernel/infiniband/hw/mlx5/umr.js";
export { checkInvariants, INVARIANT_NAMES } from "./kernel/invariants.js";
export * from "./kernel/kernel.js";
export * from "./kernel/net/ethernet/mellanox/mlx5/core/cmd.js";
export * from "./kernel/net/ethernet/mellanox/mlx5/core/lib/st.js";
export * from "./kernel/net/ethernet/mellanox/mlx5/core/main.js";
export * from "./kernel/net/ethernet/mellanox/mlx5/core/mr.js";
export * from "./kernel/p2p-system.js";
export * from "./kernel/pci/msi.js";
export * from "./kernel/pci/p2pdma.js";
export * from "./kernel/pci/pci.js";
export * from "./kernel/pci/reset.js";
export * from "./kernel/pci/tph.js";
export * from "./kernel/pci/tph-cpu-st.js";
export * from "./kernel/platform-system.js";
export * from "./kernel/revision.js";
export * from "./kernel/trace.js";
export * from "./kernel/vfio/pci/vfio_pci_config.js";
export * from "./kernel/vfio/pci/vfio_pci_core.js";
export * from "./kernel/vfio/pci/vfio_pci_dmabuf.js";
export * from "./kernel/vfio/pci/vfio_pci_dmabuf_feature.js";
export * from "./kernel/vfio/vfio_main.js";
export * from "./pcie/bits.js";
export * from "./pcie/capabilities.js";
export * from "./pcie/capability-ids.js";
export * from "./pcie/caps/express.js";
export { decodeCapability, decoderFor, EXT_DECODERS, STD_DECODERS } from "./pcie/caps/index.js";
export * from "./pcie/caps/msix.js";
export * from "./pcie/caps/tph.js";
export type { CapDecoder, DecodedCap } from "./pcie/caps/types.js";
export * from "./pcie/config-space.js";
export * from "./pcie/dump.js";
export * from "./pcie/link.js";
export * from "./pcie/link-tables.js";
export * from "./pcie/pci-ids.js";
export * from "./pcie/registers.js";
export * from "./pcie/tlp.js";
export * from "./pcie/tlp-json.js";
export {
  checkTph,
  decodeTphPrefix,
  encodeTphPrefix,
  impliedByteEnables,
  stByteOf,
  TPH_PREFIX_BYTE0,
} from "./pcie/tlp-prefix.js";
export * from "./pcie/tlp-rules.js";
export * from "./pcie/tlp-types.js";
export { type ChartSpec, chart } from "./report/html/chart.js";
export { type PageSpec, renderPage, type Section } from "./report/html/page.js";
export { renderReviewReport } from "./report/html/review-report.js";
export { type RunReportInput, renderRunReport, runSections } from "./report/html/run-report.js";
export { htmlTable, type TableSpec } from "./report/html/table.js";
export * from "./report/lspci/index.js";
export { CATALOGUE } from "./report/review/catalogue.js";
export { bootMachine, type Machine, mkeyOf, tlpOf } from "./report/review/machine.js";
export { runCatalogue } from "./report/review/run.js";
export {
  buildTraceModel,
  chromeJsonTrace,
  perfettoTrace,
  runTrace,
  type TraceInput,
  type TraceModel,
} from "./report/trace/index.js";
export { DEMO_YAML, demoScenario } from "./scenario/demo.js";
export { parameterReference, parameterRows } from "./scenario/docs.js";
export { runEvents, type TimelineMark } from "./scenario/events.js";
export { loadScenario, parseScenario } from "./scenario/load.js";
export { type RevisionResult, type RunOutcome, type RunReport, reportJson } from "./scenario/result.js";
export { type RunOptions as ScenarioRunOptions, runScenario } from "./scenario/run.js";
export * from "./scenario/sampling.js";
export { renderOutcome } from "./scenario/table.js";
export * from "./sim/index.js";
export { type AggregateRow, aggregate } from "./sweep/aggregate.js";
export { type BrokerExecutorOptions, createBrokerExecutor } from "./sweep/broker/executor.js";
export { type BrokerAddress, parseBrokerUrl } from "./sweep/broker/url.js";
export {
  type BrokerWorkerOptions,
  type RunningWorker,
  type RunPoint,
  startWorker,
} from "./sweep/broker/worker.js";
export { exportBytes, exportTable } from "./sweep/export.js";
export { InThreadExecutor, LocalPool } from "./sweep/local-pool.js";
export { planSweep, type SweepPlan } from "./sweep/plan.js";
export { type FullPointResult, runPoint } from "./sweep/run-point.js";
export { ResultStore } from "./sweep/store.js";
export { runSweep } from "./sweep/sweep.js";
export type { PointExecutor, PointResult, SweepPoint } from "./sweep/types.js";
export * from "./uapi/abi.js";
export * from "./uapi/abi-kernel.js";
export * from "./uapi/abi-run.js";
export * from "./uapi/abi-verdicts.js";
export * from "./uapi/host.js";
export * from "./uapi/libc.js";
export * from "./uapi/p2p-host.js";
export * from "./uapi/platform-host.js";
export * from "./uapi/rdma/verbs-structs.js";
export * from "./uapi/verbs.js";
