/**
 * One revision of a scenario on a whole platform (issue 10): the kernel model boots the laid-out
 * tree (bootPlatformSystem: every NIC its own mlx5 function, every accelerator its own vfio-pci
 * device), then, through the userspace facade, each accelerator's owner opens its own VFIO cdev
 * and exports the buffers that live on it (SET TPH as its revision allows) and the RDMA
 * application opens each NIC's verbs device and registers each MR on its NIC, on the dma-buf fd
 * the owner passed it. The fabric runs the same hardware objects: each flow through its MR's NIC
 * to the accelerator (or host memory) its translation decodes at.
 *
 * Timeline events run as on the single machine (./timeline/schedule.ts), each through the owner
 * of the accelerator it names, or the application on the MR's NIC.
 *
 * Scenarios with one NIC and one accelerator as `switch` or `root-complex` keep the single-machine
 * path (run.ts), byte for byte as before.
 */
import { buildFabric } from "../hw/fabric/fabric.js";
import {
  bootPlatformSystem,
  type PlatformAcceleratorOptions,
  type PlatformNicOptions,
  type PlatformSystem,
  platformFirmware,
} from "../kernel/platform-system.js";
import type { RevisionName } from "../kernel/revision.js";
import { platformHost } from "../uapi/platform-host.js";
import { ibv_alloc_pd, ibv_get_device_list, ibv_open_device } from "../uapi/verbs.js";
import type { TagProbe } from "./diagnostics.js";
import { flowSpec, initialIntents, mergeEntries, steeringEntries } from "./fabric-adapter.js";
import { fabricParamsOf } from "./fabric-params.js";
import { bufferDevice, deviceParamsInput, deviceSetting, mrNic, scenarioLayout } from "./platform.js";
import { probingPublishedTag, type RevisionRunOptions, simulateRevision } from "./revision-run.js";
import type { RevisionRun } from "./run.js";
import { COMPLETER_NAMES, type Scenario } from "./scenario-schema.js";
import {
  allocDmahs,
  type BufferState,
  exportBuffers,
  kret,
  type NicSession,
  type OwnerSession,
  openSession,
  type Session,
  type Step,
} from "./setup.js";
import { nicTph, stInfo } from "./system.js";
import { scheduleTimeline } from "./timeline/schedule.js";

function nicOptions(s: Scenario, name: string): PlatformNicOptions {
  const n = (k: keyof Scenario["nic"]) => deviceSetting(s, name, "nic", k);
  const nic = { ...s.nic, stTable: n("stTable"), tableSize: n("tableSize"), extended: n("extended") };
  return { tph: nicTph({ ...s, nic } as Scenario), caps: { mkeyPcieTph: n("mkeyPcieTph") as boolean } };
}

function acceleratorOptions(s: Scenario, name: string): PlatformAcceleratorOptions {
  const a = <K extends keyof Scenario["accelerator"]>(k: K) => deviceSetting(s, name, "accelerator", k);
  return {
    completer: COMPLETER_NAMES[a("completer")],
    barSize: a("barSize"),
    mmioBar: false,
    flr: a("flr"),
  };
}

/** Boot the platform `s` describes on `revision`. */
export function bootScenarioPlatform(s: Scenario, revision: RevisionName): PlatformSystem {
  const layout = scenarioLayout(s);
  const names = (k: string) => layout.nodes.filter((n) => n.kind === k).map((n) => n.name);
  const rpc = s.platform?.rootPortCompleter ?? [];
  return bootPlatformSystem({
    revision,
    layout,
    rpCompleter: COMPLETER_NAMES[s.host.rootPortCompleter],
    rootPorts: Object.fromEntries(rpc.map((c, i) => [`rp${i}`, { completer: COMPLETER_NAMES[c] }])),
    nics: Object.fromEntries(names("nic").map((n) => [n, nicOptions(s, n)])),
    accelerators: Object.fromEntries(names("accelerator").map((n) => [n, acceleratorOptions(s, n)])),
    acsRedirect: s.switch.acsRedirect,
    stInfo: stInfo(s),
    nrCpuIds: fabricParamsOf(s).host.cpus,
  });
}

/** Each owner exports its accelerator's buffers; the application registers each MR on its NIC. */
export function setupPlatform(s: Scenario, sys: PlatformSystem): Session {
  const steps: Step[] = [];
  const { host, paths } = platformHost(sys);
  const app = host.spawn("rdma-app");
  const buffers = new Map<string, BufferState>();
  const owners = new Map<string, OwnerSession>();
  for (const a of sys.accelerators) {
    const owner = host.spawn(`${a.name}-owner`);
    const devFd = owner.open(paths.accelerators[a.name]!);
    steps.push({ at: 0, who: "owner", call: `open VFIO device ${a.name}`, ret: kret(owner, devFd) });
    owners.set(a.name, { owner, devFd, vdev: a.vfio });
    const mine = { ...s, buffers: s.buffers.filter((b) => bufferDevice(s, b.name) === a.name) };
    for (const [k, v] of exportBuffers(mine, owner, app, devFd, steps)) buffers.set(k, v);
  }
  const devices = ibv_get_device_list(app);
  const nics = new Map<string, NicSession>();
  for (const n of sys.nics) {
    const dev = devices.find((d) => d.name === n.ibdev);
    const ctx = dev ? ibv_open_device(app, dev) : null;
    const pd = ctx ? ibv_alloc_pd(ctx) : null;
    steps.push({
      at: 0,
      who: "app",
      call: `open ${n.ibdev} (${n.name}), alloc PD`,
      ret: pd ? 0 : -app.errno,
    });
    nics.set(n.name, { hw: n.hw, ib: n.ib, pd });
  }
  const dmahs = allocDmahs(s, app, nics, steps, true);
  return openSession(s, {
    k: sys.k,
    app,
    owners,
    nics,
    buffers,
    dmahs,
    steps,
    namesDevices: true,
  });
}

/** The owner's device table of accelerator `name`: its own entries, then its buffers' tags. */
function stTableOf(s: Scenario, name: string) {
  const own = deviceSetting(s, name, "accelerator", "stTable");
  const tags = s.buffers
    .filter((b) => bufferDevice(s, b.name) === name)
    .flatMap((b) => (b.tph ? steeringEntries(b.tph) : []));
  return mergeEntries(
    own.map((e) => ({ ...e })),
    tags,
  );
}

/** One revision on the platform: boot, set up, simulate, collect. */
export function runPlatformRevision(
  s: Scenario,
  revision: RevisionName,
  seed: number,
  o: RevisionRunOptions = {},
): RevisionRun {
  const sys = bootScenarioPlatform(s, revision);
  const ses = setupPlatform(s, sys);
  const intents = initialIntents(s);
  const probe: TagProbe = new Map();
  const nicIndex = new Map(sys.nics.map((n, i) => [n.name, i]));
  // Each owner's device table at the start, in the fabric's order of accelerators.
  const tables = new Map(sys.accelerators.map((a) => [a.name, stTableOf(s, a.name)]));
  const fabric = buildFabric({
    topology: sys.k.topology,
    nics: sys.nics.map((n) => {
      const params = deviceParamsInput(s, n.name, "nic");
      return { device: n.hw, ...(params ? { params } : {}) };
    }),
    accelerators: sys.accelerators.map((a) => {
      const params = deviceParamsInput(s, a.name, "accelerator");
      return { fn: a.vfio.pdev.fn, bar: 0, stTable: tables.get(a.name)!, ...(params ? { params } : {}) };
    }),
    layout: sys.layout,
    host: { firmware: platformFirmware({ layout: sys.layout, stInfo: stInfo(s) }) },
    params: fabricParamsOf(s),
    flows: s.flows.map((f) => ({
      ...flowSpec(s, ses, f, intents),
      nic: nicIndex.get(mrNic(s, f.mr) ?? "") ?? 0,
    })),
    seed,
    trace: o.trace ?? false,
    publishedTag: probingPublishedTag(s, ses, probe),
    ...(o.arena ? { arena: o.arena } : {}),
  });
  const { sweeps, marks } = scheduleTimeline(fabric, s, ses, tables, intents);
  return simulateRevision(fabric, s, revision, o, {
    k: sys.k,
    ibdevs: sys.nics.map((n) => n.ib),
    steps: ses.steps,
    probe,
    sweeps,
    marks,
  });
}
