/**
 * The `RunFeature` hook wired to the kernel model: each call boots a fresh kernel of the given
 * revision with one accelerator behind a Root Port, binds vfio-pci to it, opens the device and
 * returns the VFIO_DEVICE_FEATURE ioctl on that fd. The verdicts' return values are whatever the
 * model's vfio_ioctl_device_feature() and vfio_pci_core_feature_dma_buf*() answer.
 */
import { ModelError } from "../base/errors.js";
import type { TopologyNodeDesc } from "../hw/topology.js";
import { errnoName } from "../kernel/errno.js";
import { bootKernel } from "../kernel/kernel.js";
import type { RevisionName } from "../kernel/revision.js";
import { vfioPciCoreRegisterDevice, vfioPciOpen } from "../kernel/vfio/pci/vfio_pci_core.js";
import { vfioDeviceFeature } from "../kernel/vfio/vfio_main.js";
import type { FeatureIoctl, RunFeature } from "./abi-run.js";

const ROOT_PORT = "0000:00:01.0";
const ACCELERATOR = "0000:01:00.0";

/**
 * The machine: a Root Port (TPH and Extended TPH completer) and below it an accelerator whose
 * BAR 0 (1 MiB) holds the sample range, itself a TPH + Extended TPH completer so feature 13 is
 * available where the revision has it.
 */
const DEVICES: readonly TopologyNodeDesc[] = [
  { bdf: ROOT_PORT, type: "root-port", vendor: 0x8086, device: 0x352a, tphCompleter: 3 },
  {
    bdf: ACCELERATOR,
    parent: ROOT_PORT,
    type: "endpoint",
    vendor: 0x10ee,
    device: 0x903f,
    classCode: 0x120000,
    label: "Processing accelerator",
    bars: [{ index: 0, size: 1 << 20, address: 0x40_0000_0000, bits64: true, prefetchable: true }],
    tphCompleter: 3,
  },
];

/** Boot, bind vfio-pci, open: the ioctl of the open device. Setup failures are model bugs. */
export const kernelRunFeature: RunFeature = (revision: RevisionName): FeatureIoctl => {
  const k = bootKernel({ revision, topology: { devices: DEVICES } });
  const pdev = k.pciDev(ACCELERATOR);
  if (!pdev) throw new ModelError(`abi: ${ACCELERATOR} was not enumerated`);
  const vdev = vfioPciCoreRegisterDevice(k, pdev);
  if (typeof vdev === "number") throw new ModelError(`abi: vfio-pci probe failed: ${errnoName(vdev)}`);
  const fd = vfioPciOpen(k, vdev);
  if (fd < 0) throw new ModelError(`abi: opening the VFIO device failed: ${errnoName(fd)}`);
  return (arg) => {
    const before = k.trace.events().length;
    const ret = vfioDeviceFeature(k, fd, arg);
    return {
      ret,
      trace: k.trace
        .events()
        .slice(before)
        .map((ev) => k.trace.format(ev)),
    };
  };
};
