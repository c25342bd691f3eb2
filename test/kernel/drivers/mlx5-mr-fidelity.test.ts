/**
 * mlx5 MR details an independent read of the kernel found the model missing (issue 8, departures
 * 2, 4 and 5), each against the kernel function it follows.
 */
import { describe, expect, it } from "vitest";
import { EINVAL, EOPNOTSUPP } from "../../../src/kernel/errno.js";
import { IB_ACCESS, IB_MR_REREG } from "../../../src/kernel/infiniband/core/ib_verbs.js";
import {
  ibUverbsAllocPd,
  ibUverbsDeregMr,
  ibUverbsReregMr,
  uverbsMrObject,
} from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import {
  uverbsDmahAlloc,
  uverbsDmahFree,
} from "../../../src/kernel/infiniband/core/uverbs_std_types_dmah.js";
import { uverbsRegMr } from "../../../src/kernel/infiniband/core/uverbs_std_types_mr.js";
import type { Mlx5IbMr } from "../../../src/kernel/infiniband/hw/mlx5/mlx5_ib.js";
import { MLX5_MAX_UMR_PAGES } from "../../../src/kernel/infiniband/hw/mlx5/umr.js";
import { checkInvariants } from "../../../src/kernel/invariants.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { bootTestbed, exportDmaBuf, mkeyOf, openBoth, type TestbedOptions } from "./testbed.js";

const LW = IB_ACCESS.LOCAL_WRITE;
const stInfo = { "1": { vm: { st: 0x11, xst: 0x0a11 } } };
/** MLX5_MAX_UMR_PAGES pages of 4 KiB: the first length UMR cannot load without the extended offset. */
const UMR_LIMIT = BigInt(MLX5_MAX_UMR_PAGES) * 4096n;

function verbs(o: TestbedOptions = {}) {
  const t = bootTestbed({ stInfo, ...o });
  const { devFd, ufd } = openBoth(t);
  const pd = ibUverbsAllocPd(t.k, ufd);
  return { ...t, devFd, ufd, pd };
}
type Verbs = ReturnType<typeof verbs>;

function addrMr(t: Verbs, length: bigint, dmah?: number) {
  const base = { pd: t.pd, iova: 0n, length, access: LW, addr: 0x7000_0000n };
  return uverbsRegMr(t.k, t.ufd, dmah === undefined ? base : { ...base, dmah });
}

describe("departure 2: an MR on a CPU-bound DMAH holds its own ST-table reference (mlx5_st_get_index)", () => {
  // Series v6-v8 "the ST table reference lives as long as the MR": mlx5_st_get_index() at
  // registration, mlx5_st_dealloc_index() at mkey cleanup. Mainline and rfc have no such call.
  it.each([
    ["v11", 2],
    ["proposed", 2],
    ["mainline", 1],
    ["rfc", 1],
  ] as const)("%s: use count with one DMAH and one MR is %i, and the invariant agrees", (rev, want) => {
    const t = verbs({ revision: rev as RevisionName });
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { cpuId: 1, memType: 0, ph: 2 });
    const mr = addrMr(t, 0x1000n, dmah);
    expect(mr.ret).toBe(0);
    expect(t.nic.st!.idxXa.get(1)?.usecount).toBe(want);
    expect(
      checkInvariants(t.k, { ibdevs: [t.ib] })["no-st-leak"].violations.filter((v) => !/bookkeeping/.test(v)),
    ).toEqual([]);
    expect(ibUverbsDeregMr(t.k, t.ufd, mr.handle)).toBe(0);
    expect(t.nic.st!.idxXa.get(1)?.usecount).toBe(1);
    expect(uverbsDmahFree(t.k, t.ufd, dmah)).toBe(0);
    expect(t.nic.st!.idxXa.has(1)).toBe(false);
  });
});

describe("departure 4: re-registration refuses only FRMR-pool MRs whose key carries PH", () => {
  // mlx5_ib_rereg_user_mr(): `frmr.key.kernel_vendor_key & MLX5_FRMR_POOLS_KERNEL_KEY_PH_MASK`
  // -> -EOPNOTSUPP; create_real_mr() uses the pools only when mlx5r_umr_can_load_pas().
  it("a small TPH MR (pool key with PH) -> -EOPNOTSUPP", () => {
    const t = verbs();
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { ph: 1 });
    const mr = addrMr(t, 0x1000n, dmah);
    const c = { handle: mr.handle, start: 0x7000_0000n, length: 0x1000n, hcaVa: 0n, access: LW };
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: IB_MR_REREG.TRANS })).toBe(-EOPNOTSUPP);
  });
  it("a large TPH MR made by reg_create() re-registers and comes back without TPH", () => {
    const t = verbs({ nicCaps: { umrExtendedTranslationOffset: false } });
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { ph: 1 });
    const mr = addrMr(t, UMR_LIMIT, dmah);
    expect(mr.ret).toBe(0);
    expect((uverbsMrObject(t.k, t.ufd, mr.handle) as Mlx5IbMr).frmrKey).toBeUndefined();
    expect(mkeyOf(t, t.ufd, mr.handle)!.fields.tphEn).toBe(true);
    const c = { handle: mr.handle, start: 0x7000_0000n, length: UMR_LIMIT, hcaVa: 0n, access: LW };
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: IB_MR_REREG.TRANS })).toBe(0);
    expect(mkeyOf(t, t.ufd, mr.handle)!.fields.tphEn).toBe(false);
    expect(checkInvariants(t.k, { ibdevs: [t.ib] })["no-ref-leak"].ok).toBe(true);
  });
  it("one page below the limit still comes from the pool", () => {
    const t = verbs({ nicCaps: { umrExtendedTranslationOffset: false } });
    const mr = addrMr(t, UMR_LIMIT - 0x1000n, uverbsDmahAlloc(t.k, t.ufd, { ph: 1 }));
    expect((uverbsMrObject(t.k, t.ufd, mr.handle) as Mlx5IbMr).frmrKey).toEqual({ stIndex: 0, ph: 1 });
  });
});

describe("departure 5: a dma-buf MR UMR cannot load -> -EINVAL (mlx5_ib_reg_user_mr_dmabuf)", () => {
  it("umr_modify_entity_size_disabled refuses every dma-buf MR before the buffer is touched", () => {
    const t = verbs({ nicCaps: { umrModifyEntitySizeDisabled: true } });
    const fd = exportDmaBuf(t.k, t.devFd, { ranges: [{ offset: 0, length: 0x10000 }] });
    const r = uverbsRegMr(t.k, t.ufd, { pd: t.pd, iova: 0n, length: 0x1000n, access: LW, fd, fdOffset: 0n });
    expect(r.ret).toBe(-EINVAL);
    expect(t.k.trace.last("mlx5_ib_reg_user_mr_dmabuf")?.note).toBe("!mlx5r_umr_can_load_pas");
    expect(t.k.trace.last("dma_buf_dynamic_attach")).toBeUndefined();
  });
});
