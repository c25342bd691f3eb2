/**
 * drivers/pci/p2pdma.c: whether, and how, a PCI client can reach a provider's BAR memory
 * peer to peer. The rule (calc_map_type_and_dist()): walk up from the provider looking for a
 * bridge that is also above the client. Found, and no bridge on either path has ACS P2P
 * redirection on -> the TLPs turn at that bridge (PCI_P2PDMA_MAP_BUS_ADDR), distance = hops up
 * from each side. Not found (separate Root Ports), or ACS redirects upward -> the TLPs must go
 * through the host bridge, allowed only on an AMD Zen CPU or a whitelisted host bridge, else
 * PCI_P2PDMA_MAP_NOT_SUPPORTED. The answer is cached per (provider, client) on the provider.
 *
 * The model has one host bridge (segment 0); pci_find_host_bridge() of any device is it.
 */
import { ACS, EXT_CAP_ID, HEADER } from "../../pcie/registers.js";
import type { Kernel } from "../kernel.js";
import {
  PCI_EXP_TYPE,
  type PciDev,
  pciFindExtCapability,
  pciIsPcie,
  pciPcieType,
  pciReadConfigWord,
  pciUpstreamBridge,
} from "./pci.js";

/** enum pci_p2pdma_map_type (UNKNOWN is internal: the cache's "not computed yet"). */
export const PCI_P2PDMA_MAP = {
  NOT_SUPPORTED: "not-supported",
  BUS_ADDR: "bus-addr",
  THRU_HOST_BRIDGE: "thru-host-bridge",
} as const;
export type PciP2pdmaMapType = (typeof PCI_P2PDMA_MAP)[keyof typeof PCI_P2PDMA_MAP];

/** struct pci_p2pdma (the part the model needs): map types already computed, by client name. */
export interface PciP2pdma {
  readonly mapTypes: Map<string, PciP2pdmaMapType>;
}

/** One entry of pci_p2pdma_whitelist[]; `sameHostBridge` is REQ_SAME_HOST_BRIDGE. */
interface WhitelistEntry {
  readonly vendor: number;
  readonly device: number;
  readonly sameHostBridge: boolean;
}
const PCI_VENDOR_ID_INTEL = 0x8086;
/** pci_p2pdma_whitelist[]: host bridges known to forward P2P between their Root Ports. */
export const PCI_P2PDMA_WHITELIST: readonly WhitelistEntry[] = [
  // Intel Xeon E5/Core i7
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x3c00, sameHostBridge: true },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x3c01, sameHostBridge: true },
  // Intel Xeon E7 v3/Xeon E5 v3/Core i7
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2f00, sameHostBridge: true },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2f01, sameHostBridge: true },
  // Intel Skylake-E
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2030, sameHostBridge: false },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2031, sameHostBridge: false },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2032, sameHostBridge: false },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2033, sameHostBridge: false },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x2020, sameHostBridge: false },
  { vendor: PCI_VENDOR_ID_INTEL, device: 0x09a2, sameHostBridge: false },
];

/** pci_bridge_has_acs_redir(): ACS control has P2P Request/Completion Redirect or Egress Control on. */
export function pciBridgeHasAcsRedir(pdev: PciDev): boolean {
  const pos = pciFindExtCapability(pdev, EXT_CAP_ID.ACS);
  if (!pos) return false;
  const ctrl = pciReadConfigWord(pdev, pos + ACS.CTRL.offset);
  const f = ACS.CTRL.fields;
  return (ctrl & (f.RR.mask | f.CR.mask | f.EC.mask)) !== 0;
}

/** cpu_supports_p2pdma(): any AMD CPU of family 0x17 (Zen) or newer. */
export function cpuSupportsP2pdma(k: Kernel): boolean {
  return k.cpu.vendor === "amd" && k.cpu.family >= 0x17;
}

/**
 * pci_host_bridge_dev(): the first device on the root bus if it is 00.0 or a Root Port (some
 * whitelisted IDs are Root Ports: not every platform has a function at 00.0).
 */
export function pciHostBridgeDev(k: Kernel): PciDev | undefined {
  const root = k.pciDevs
    .filter((d) => d.fn.spec.domain === 0 && d.fn.spec.bus === 0)
    .sort((a, b) => a.fn.spec.dev * 8 + a.fn.spec.fn - (b.fn.spec.dev * 8 + b.fn.spec.fn))[0];
  if (!root) return undefined;
  if (root.fn.spec.dev === 0 && root.fn.spec.fn === 0) return root;
  if (pciIsPcie(root) && pciPcieType(root) === PCI_EXP_TYPE.ROOT_PORT) return root;
  return undefined;
}

/** __host_bridge_whitelist(): the host bridge device's vendor/device on the whitelist. */
function hostBridgeWhitelisted(k: Kernel, sameHostBridge: boolean, warn: boolean): boolean {
  const root = pciHostBridgeDev(k);
  if (!root) return false;
  const vendor = pciReadConfigWord(root, HEADER.VENDOR_ID.offset);
  const device = pciReadConfigWord(root, HEADER.DEVICE_ID.offset);
  const entry = PCI_P2PDMA_WHITELIST.find((e) => e.vendor === vendor && e.device === device);
  if (entry) return !(entry.sameHostBridge && !sameHostBridge);
  if (warn) {
    const id = `${vendor.toString(16).padStart(4, "0")}:${device.toString(16).padStart(4, "0")}`;
    k.trace.emit("pci_p2pdma", { dev: root.name, note: `Host bridge not in P2PDMA whitelist: ${id}` });
  }
  return false;
}

/** host_bridge_whitelist(): one host bridge in the model, so both devices share it. */
export function hostBridgeWhitelist(k: Kernel, _a: PciDev, _b: PciDev, warn: boolean): boolean {
  return hostBridgeWhitelisted(k, true, warn);
}

/** The result of calc_map_type_and_dist(), with the bridges that redirect (for the warning). */
export interface P2pdmaPath {
  readonly mapType: PciP2pdmaMapType;
  readonly distance: number;
  /** Bridges on the path with ACS redirect on (pci=disable_acs_redir=...). */
  readonly acsRedirect: readonly string[];
  /** The common upstream bridge, when there is one. */
  readonly commonBridge: string | undefined;
}

/** Walk up from `a` to the first bridge that is also above `b`, counting hops on both sides. */
function commonUpstream(
  k: Kernel,
  provider: PciDev,
  client: PciDev,
): { common: PciDev | undefined; distA: number; distB: number; acs: PciDev[] } {
  const acs: PciDev[] = [];
  let distA = 0;
  let distB = 0;
  for (let a: PciDev | undefined = provider; a; a = pciUpstreamBridge(k, a), distA++) {
    distB = 0;
    if (pciBridgeHasAcsRedir(a)) acs.push(a);
    for (let bb: PciDev | undefined = client; bb; bb = pciUpstreamBridge(k, bb), distB++) {
      if (bb === a) {
        // check_b_path_acs: the client's side up to (not including) the common bridge.
        for (let c: PciDev | undefined = client; c && c !== a; c = pciUpstreamBridge(k, c))
          if (pciBridgeHasAcsRedir(c)) acs.push(c);
        return { common: a, distA, distB, acs };
      }
    }
  }
  return { common: undefined, distA, distB, acs };
}

/** calc_map_type_and_dist(): the map type and distance; caches the type on the provider. */
export function calcMapTypeAndDist(
  k: Kernel,
  provider: PciDev,
  client: PciDev,
  verbose: boolean,
): P2pdmaPath {
  const { common, distA, distB, acs } = commonUpstream(k, provider, client);
  const distance = distA + distB;
  const acsRedirect = acs.map((d) => d.name);
  let mapType: PciP2pdmaMapType = PCI_P2PDMA_MAP.THRU_HOST_BRIDGE;
  if (common && acs.length === 0) {
    mapType = PCI_P2PDMA_MAP.BUS_ADDR;
  } else {
    if (common && verbose)
      k.trace.emit("pci_p2pdma", {
        dev: client.name,
        note: `ACS redirect is set between the client and provider (${provider.name}); pci=disable_acs_redir=${acsRedirect.join(";")}`,
      });
    if (!cpuSupportsP2pdma(k) && !hostBridgeWhitelist(k, provider, client, common !== undefined)) {
      if (verbose)
        k.trace.emit("pci_p2pdma", {
          dev: client.name,
          note: `cannot be used for peer-to-peer DMA as the client and provider (${provider.name}) do not share an upstream bridge or whitelisted host bridge`,
        });
      mapType = PCI_P2PDMA_MAP.NOT_SUPPORTED;
    }
  }
  provider.p2pdma?.mapTypes.set(client.name, mapType);
  return { mapType, distance, acsRedirect, commonBridge: common?.name };
}

/**
 * pci_p2pdma_distance_many(): the summed distance from `provider` to every client, or -1 when
 * any pair is not supported (or there is no client).
 */
export function pciP2pdmaDistanceMany(
  k: Kernel,
  provider: PciDev,
  clients: readonly PciDev[],
  verbose: boolean,
): number {
  if (clients.length === 0) return -1;
  let notSupported = false;
  let total = 0;
  for (const c of clients) {
    const r = calcMapTypeAndDist(k, provider, c, verbose);
    if (r.mapType === PCI_P2PDMA_MAP.NOT_SUPPORTED) notSupported = true;
    if (notSupported && !verbose) break;
    total += r.distance;
  }
  return notSupported ? -1 : total;
}

/** pci_p2pdma_distance(): one client. */
export function pciP2pdmaDistance(k: Kernel, provider: PciDev, client: PciDev, verbose: boolean): number {
  return pciP2pdmaDistanceMany(k, provider, [client], verbose);
}

/** pcim_p2pdma_init(): the provider's p2pdma state (idempotent). */
export function pcimP2pdmaInit(pdev: PciDev): PciP2pdma {
  pdev.p2pdma ??= { mapTypes: new Map() };
  return pdev.p2pdma;
}

/**
 * pci_p2pdma_map_type(): NOT_SUPPORTED when the provider never set up P2P memory or the client is
 * not a PCI device; else the cached type, computed (verbosely) the first time.
 */
export function pciP2pdmaMapType(k: Kernel, provider: PciDev, client: PciDev | undefined): PciP2pdmaMapType {
  if (!provider.p2pdma || !client) return PCI_P2PDMA_MAP.NOT_SUPPORTED;
  const cached = provider.p2pdma.mapTypes.get(client.name);
  if (cached !== undefined) return cached;
  return calcMapTypeAndDist(k, provider, client, true).mapType;
}
