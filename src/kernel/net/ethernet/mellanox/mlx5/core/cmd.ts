/**
 * drivers/net/ethernet/mellanox/mlx5/core/cmd.c: a firmware command status as an errno
 * (cmd_status_to_err()).
 */
import { MLX5_CMD_STAT, type Mlx5CmdStatus } from "../../../../../../hw/mlx5/ifc.js";
import { EINVAL, ENOMEM } from "../../../../../errno.js";

/** cmd_status_to_err() for the statuses the model's firmware returns. */
export function mlx5CmdStatusToErr(status: Mlx5CmdStatus): number {
  switch (status) {
    case MLX5_CMD_STAT.OK:
      return 0;
    case MLX5_CMD_STAT.BAD_PARAM_ERR:
    case MLX5_CMD_STAT.BAD_RES_ERR:
      return -EINVAL;
    case MLX5_CMD_STAT.LIM_ERR:
      return -ENOMEM;
  }
}
