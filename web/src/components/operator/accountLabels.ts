/** Chinese names of account events and approval steps (账号记录, 环节). */
export const ACCOUNT_EVENT_LABELS: Record<string, string> = {
  logged_in: '登录', login_failed: '登录失败', login_refused: '拒绝登录', locked: '锁定', unlocked: '解除锁定',
  password_changed: '修改密码', password_reset: '重置密码', created: '新建账号', reset: '重置', activated: '启用',
  deactivated: '停用', logged_out: '退出登录', refresh_reused: '刷新令牌重复使用', password_change_failed: '修改密码失败',
  password_change_refused: '拒绝修改密码', totp_enrolment_started: '开始绑定双因素认证', totp_enrolment_failed: '双因素认证绑定失败',
  totp_enrolled: '绑定双因素认证', totp_reset: '重置双因素认证', recovery_code_used: '使用恢复码', details_changed: '变更身份信息',
}

export const STEP_LABELS: Record<string, string> = { accept: '受理', review: '审核', approve: '决定', conclude: '办结' }
export const STEPS = Object.keys(STEP_LABELS) as Array<'accept' | 'review' | 'approve' | 'conclude'>

export function when(at: string | null | undefined): string {
  return at ? new Date(at).toLocaleString('zh-CN', { hour12: false }) : '—'
}
