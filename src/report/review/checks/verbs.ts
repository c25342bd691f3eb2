/**
 * RDMA verbs: DMA handle allocation (uverbs and mlx5 checks), its use count, the ST table filling
 * up, ODP and re-registration limits, and the dma-buf MR registration checks
 * (linux-tph-stack.md sections 2 and 3).
 */

import {
  ibv_alloc_dmah,
  ibv_dealloc_dmah,
  ibv_dereg_mr,
  ibv_reg_dmabuf_mr,
  ibv_reg_mr_ex,
  ibv_rereg_mr,
} from "../../../uapi/verbs.js";
import { showHints, tlpOf } from "../machine.js";
import {
  ACCESS,
  type App,
  BUF_LEN,
  dmabufMrAttr,
  exportDmaBuf,
  startApp,
  startOwner,
  userMrAttr,
} from "../program.js";
import { type Check, errnoStr, type Scenario } from "../scenario.js";
import { dmahInitAttr, IBV } from "../uapi-h.js";

function app(s: Scenario, o: Parameters<Scenario["boot"]>[0] = {}) {
  const m = s.boot(o);
  return { m, app: startApp(s, m) };
}

/** ibv_alloc_dmah that must return NULL with `errno`: "what NULL ERRNO". */
function dmahRefused(s: Scenario, a: App, what: string, attr: Uint8Array, errno: string): string {
  s.none(what, ibv_alloc_dmah(a.ctx, attr), a.libc, errno);
  return `${what} NULL ${errno}`;
}

const allocChecks: Check = {
  id: "dmah-alloc-checks",
  title:
    "DMAH allocation: cpu >= nr_cpu_ids EINVAL, CPU not allowed EPERM, ph & 0xfc EINVAL, bad mem type EOPNOTSUPP",
  kind: "check",
  ref: "linux-tph-stack.md 3",
  run(s) {
    const { app: a } = app(s);
    const parts = [
      dmahRefused(s, a, "cpu 8 of 8", dmahInitAttr({ cpu: 8, memType: 0, ph: 0 }), "EINVAL"),
      dmahRefused(s, a, "ph 4", dmahInitAttr({ ph: 4 }), "EINVAL"),
      dmahRefused(s, a, "mem type 2", dmahInitAttr({ cpu: 1, memType: 2, ph: 0 }), "EOPNOTSUPP"),
    ];
    s.ok("sched_setaffinity(0, {0,1})", a.libc.sched_setaffinity(0, [0, 1]), a.libc);
    parts.push(
      dmahRefused(s, a, "cpu 3 outside affinity", dmahInitAttr({ cpu: 3, memType: 0, ph: 0 }), "EPERM"),
    );
    s.some(
      "cpu 1 inside affinity",
      ibv_alloc_dmah(a.ctx, dmahInitAttr({ cpu: 1, memType: 0, ph: 0 })),
      a.libc,
    );
    return parts.join(", ");
  },
};

const mlx5Dmah: Check = {
  id: "mlx5-dmah-needs-ph",
  title: "mlx5 DMAH: PH is mandatory; CPU and MEM_TYPE come together (EINVAL)",
  kind: "check",
  ref: "linux-tph-stack.md 3",
  run(s) {
    const { app: a } = app(s);
    const parts = [
      dmahRefused(s, a, "no PH", dmahInitAttr({ cpu: 1, memType: 0 }), "EINVAL"),
      dmahRefused(s, a, "CPU without MEM_TYPE", dmahInitAttr({ cpu: 1, ph: 0 }), "EINVAL"),
      dmahRefused(s, a, "MEM_TYPE without CPU", dmahInitAttr({ memType: 0, ph: 0 }), "EINVAL"),
    ];
    s.some("PH only", ibv_alloc_dmah(a.ctx, dmahInitAttr({ ph: 2 })), a.libc);
    return `${parts.join(", ")}; PH only allocated`;
  },
};

const busy: Check = {
  id: "dmah-busy-while-used",
  title: "freeing a DMAH an MR still uses fails with EBUSY",
  kind: "check",
  ref: "linux-tph-stack.md 3",
  run(s) {
    const { m, app: a } = app(s);
    const dmah = s.some("ibv_alloc_dmah(ph 1)", ibv_alloc_dmah(a.ctx, dmahInitAttr({ ph: 1 })), a.libc);
    const mr = s.some("ibv_reg_mr_ex(addr, DMAH)", ibv_reg_mr_ex(a.pd, userMrAttr({ dmah })), a.libc);
    const h = tlpOf(m, mr);
    s.expect(h.th && h.ph === 1, `MR with a PH-only DMAH: NIC sends ${showHints(h)}, expected PH=1`);
    s.errval("ibv_dealloc_dmah while used", ibv_dealloc_dmah(dmah), "EBUSY");
    s.errval("ibv_dereg_mr", ibv_dereg_mr(mr), 0);
    s.errval("ibv_dealloc_dmah after", ibv_dealloc_dmah(dmah), 0);
    return `MR sends ${showHints(h)}; dealloc while used EBUSY; after dereg 0`;
  },
};

const tableFull: Check = {
  id: "st-table-full-ebusy",
  title: "CPU DMA handles fill the ST table: the next distinct tag gets EBUSY, an equal tag is shared",
  kind: "check",
  ref: "linux-tph-stack.md 2",
  run(s) {
    const { app: a } = app(s);
    for (let cpu = 0; cpu < 7; cpu++)
      s.some(`DMAH cpu ${cpu}`, ibv_alloc_dmah(a.ctx, dmahInitAttr({ cpu, memType: 0, ph: 0 })), a.libc);
    const full = dmahRefused(s, a, "cpu 7 (tag 0x707)", dmahInitAttr({ cpu: 7, memType: 0, ph: 0 }), "EBUSY");
    s.some(
      "cpu 0 again (equal tag)",
      ibv_alloc_dmah(a.ctx, dmahInitAttr({ cpu: 0, memType: 0, ph: 0 })),
      a.libc,
    );
    return `8-entry table: 7 CPU tags allocated, ${full}, cpu 0 again shares its entry`;
  },
};

const odp: Check = {
  id: "odp-with-dmah-eopnotsupp",
  title: "an on-demand-paging MR with a DMAH is refused with EOPNOTSUPP",
  kind: "check",
  ref: "linux-tph-stack.md 2",
  run(s) {
    const { app: a } = app(s);
    const dmah = s.some("ibv_alloc_dmah(ph 1)", ibv_alloc_dmah(a.ctx, dmahInitAttr({ ph: 1 })), a.libc);
    const access = ACCESS | IBV.ACCESS_ON_DEMAND;
    s.none("ODP MR with DMAH", ibv_reg_mr_ex(a.pd, userMrAttr({ dmah, access })), a.libc, "EOPNOTSUPP");
    s.some("ODP MR without DMAH", ibv_reg_mr_ex(a.pd, userMrAttr({ access })), a.libc);
    return "ODP MR with a DMAH NULL EOPNOTSUPP, without one registered";
  },
};

const rereg: Check = {
  id: "rereg-tph-mr-eopnotsupp",
  title: "re-registering an MR that has TPH is refused with EOPNOTSUPP",
  kind: "check",
  ref: "linux-tph-stack.md 2",
  run(s) {
    const { app: a } = app(s);
    const dmah = s.some("ibv_alloc_dmah(ph 1)", ibv_alloc_dmah(a.ctx, dmahInitAttr({ ph: 1 })), a.libc);
    const tph = s.some("MR with DMAH", ibv_reg_mr_ex(a.pd, userMrAttr({ dmah })), a.libc);
    const plain = s.some("MR without TPH", ibv_reg_mr_ex(a.pd, userMrAttr()), a.libc);
    const lw = IBV.ACCESS_LOCAL_WRITE;
    const ret = ibv_rereg_mr(tph, IBV.REREG_MR_CHANGE_ACCESS, null, 0n, 0n, lw);
    s.expect(
      ret === IBV.REREG_MR_ERR_CMD && errnoStr(a.libc.errno) === "EOPNOTSUPP",
      `rereg of the TPH MR returned ${ret} errno ${errnoStr(a.libc.errno)}, expected ${IBV.REREG_MR_ERR_CMD} EOPNOTSUPP`,
    );
    const ok = ibv_rereg_mr(plain, IBV.REREG_MR_CHANGE_ACCESS, null, 0n, 0n, lw);
    s.expect(ok === 0, `rereg of the plain MR returned ${ok} errno ${errnoStr(a.libc.errno)}`);
    return "rereg(access) of the TPH MR: ERR_CMD errno EOPNOTSUPP; of a plain MR: 0";
  },
};

const dmabufMr: Check = {
  id: "dmabuf-mr-checks",
  title: "dma-buf MR registration: fd/fd_offset/addr rules, page offsets, access flags, range, fd type",
  kind: "check",
  ref: "linux-tph-stack.md 3",
  run(s) {
    const m = s.boot();
    const owner = startOwner(s, m);
    const a = startApp(s, m);
    const exported = s.ok("export", exportDmaBuf(owner, m.headers.dmaBufStruct), owner.libc);
    const fd = owner.libc.sendFd(exported, a.libc);
    const cases: [string, Uint8Array, string][] = [
      [
        "FD without FD_OFFSET",
        dmabufMrAttr(fd, { compMask: IBV.REG_MR_MASK_FD | IBV.REG_MR_MASK_IOVA }),
        "EINVAL",
      ],
      [
        "FD with ADDR",
        dmabufMrAttr(fd, { compMask: IBV.REG_MR_MASK_FD | IBV.REG_MR_MASK_ADDR | IBV.REG_MR_MASK_FD_OFFSET }),
        "EINVAL",
      ],
      [
        "fd_offset 0x1000 / iova 0x800",
        dmabufMrAttr(fd, { offset: 0x1000n, iova: 0x800n, length: 0x1000 }),
        "EINVAL",
      ],
      ["access MW_BIND", dmabufMrAttr(fd, { access: ACCESS | IBV.ACCESS_MW_BIND }), "EINVAL"],
      ["REMOTE_WRITE without LOCAL_WRITE", dmabufMrAttr(fd, { access: IBV.ACCESS_REMOTE_WRITE }), "EINVAL"],
      ["past the buffer end", dmabufMrAttr(fd, { length: BUF_LEN + 0x1000 }), "EINVAL"],
      ["fd of the verbs device", dmabufMrAttr(a.ctx.cmdFd), "EINVAL"],
      ["fd 999", dmabufMrAttr(999), "EBADF"],
    ];
    for (const [what, attr, errno] of cases) s.none(what, ibv_reg_mr_ex(a.pd, attr), a.libc, errno);
    s.none(
      "ibv_reg_dmabuf_mr offset/iova mismatch",
      ibv_reg_dmabuf_mr(a.pd, 0x800n, 0x1000n, 0n, fd, ACCESS),
      a.libc,
      "EINVAL",
    );
    s.some("a valid dma-buf MR", ibv_reg_mr_ex(a.pd, dmabufMrAttr(fd)), a.libc);
    return `${cases.map(([w, , e]) => `${w} ${e}`).join(", ")}, offset/iova mismatch EINVAL`;
  },
};

export const VERBS_CHECKS: readonly Check[] = [allocChecks, mlx5Dmah, busy, tableFull, odp, rereg, dmabufMr];
