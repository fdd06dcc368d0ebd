/**
 * Every page of the portal (public and applicant) and the workbench (staff), with the roles that may
 * open it. Pages are loaded on demand, so the public pages stay small on a phone.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { homeOf, session, type Identity } from './session'
import PortalLayout from './layouts/PortalLayout.vue'
import WorkLayout from './layouts/WorkLayout.vue'

type Role = Identity['role']
const STAFF: Role[] = ['clerk', 'officer', 'dept_admin', 'supervisor', 'operator']

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    roles?: Role[]
  }
}

const portal: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('./pages/public/HomePage.vue'), meta: { title: '首页' } },
  { path: 'guides/:category', name: 'guide', component: () => import('./pages/public/GuidePage.vue'), meta: { title: '办事指南' } },
  { path: 'guides/:category/items/:item', name: 'item-guide', component: () => import('./pages/public/ItemGuidePage.vue'), meta: { title: '事项办事指南' } },
  { path: 'progress', name: 'progress', component: () => import('./pages/public/ProgressPage.vue'), meta: { title: '办理进度查询' } },
  { path: 'verify', name: 'verify', component: () => import('./pages/public/VerifyPage.vue'), meta: { title: '电子证照核验' } },
  { path: 'login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { title: '登录' } },
  { path: 'my/projects', name: 'my-projects', component: () => import('./pages/applicant/MyProjectsPage.vue'), meta: { title: '我的项目', roles: ['applicant'] } },
  { path: 'my/projects/new', name: 'register', component: () => import('./pages/applicant/RegisterPage.vue'), meta: { title: '项目登记', roles: ['applicant'] } },
  { path: 'my/projects/:code', name: 'my-project', component: () => import('./pages/applicant/ProjectPage.vue'), meta: { title: '项目详情', roles: ['applicant'] } },
  { path: 'my/projects/:code/declare/:stage', name: 'declare', component: () => import('./pages/applicant/DeclarePage.vue'), meta: { title: '阶段申报', roles: ['applicant'] } },
  { path: 'complaints/new', name: 'complaint-new', component: () => import('./pages/public/ComplaintNewPage.vue'), meta: { title: '投诉举报' } },
  { path: 'complaints/lookup', name: 'complaint-lookup', component: () => import('./pages/public/ComplaintLookupPage.vue'), meta: { title: '投诉举报查询' } },
  { path: 'my/projects/:code/guidance', name: 'my-guidance', component: () => import('./pages/applicant/GuidancePage.vue'), meta: { title: '联合辅导', roles: ['applicant'] } },
  { path: 'my/inbox', name: 'inbox', component: () => import('./pages/applicant/InboxPage.vue'), meta: { title: '消息与文书', roles: ['applicant'] } },
]

const work: RouteRecordRaw[] = [
  { path: '', name: 'workbench', component: () => import('./pages/work/WorkbenchPage.vue'), meta: { title: '工作台', roles: ['officer'] } },
  { path: 'cases/:id', name: 'case', component: () => import('./pages/work/CasePage.vue'), meta: { title: '办件详情', roles: ['officer', 'clerk', 'supervisor', 'operator'] } },
  { path: 'lead', name: 'lead', component: () => import('./pages/work/LeadPage.vue'), meta: { title: '牵头阶段', roles: ['officer'] } },
  { path: 'window', name: 'window', component: () => import('./pages/work/WindowPage.vue'), meta: { title: '综合窗口', roles: ['clerk'] } },
  { path: 'consultations', name: 'consultations', component: () => import('./pages/work/ConsultationsPage.vue'), meta: { title: '部门征询', roles: ['officer', 'supervisor'] } },
  { path: 'consultations/:id', name: 'consultation', component: () => import('./pages/work/ConsultationPage.vue'), meta: { title: '征询详情', roles: ['officer', 'supervisor'] } },
  { path: 'joint-reviews', name: 'joint-reviews', component: () => import('./pages/work/JointReviewsPage.vue'), meta: { title: '联合会审', roles: ['officer', 'supervisor'] } },
  { path: 'joint-reviews/:id', name: 'joint-review', component: () => import('./pages/work/JointReviewPage.vue'), meta: { title: '会审详情', roles: ['officer', 'supervisor'] } },
  { path: 'projects', name: 'projects', component: () => import('./pages/work/ProjectsPage.vue'), meta: { title: '项目查询', roles: STAFF } },
  { path: 'projects/:code', name: 'project', component: () => import('./pages/work/ProjectPage.vue'), meta: { title: '项目详情', roles: STAFF } },
  { path: 'supervision', name: 'supervision', component: () => import('./pages/work/SupervisionPage.vue'), meta: { title: '时限监督', roles: ['supervisor', 'operator'] } },
  { path: 'complaints', name: 'complaints', component: () => import('./pages/work/ComplaintsPage.vue'), meta: { title: '投诉举报', roles: ['supervisor', 'operator'] } },
  { path: 'province', name: 'province', component: () => import('./pages/work/ProvinceCasePage.vue'), meta: { title: '省级平台调阅办件', roles: ['province'] } },
  { path: 'province/cases/:id', name: 'province-case', component: () => import('./pages/work/ProvinceCasePage.vue'), meta: { title: '省级平台调阅办件', roles: ['province'] } },
  { path: 'exchange', name: 'exchange', component: () => import('./pages/work/ExchangePage.vue'), meta: { title: '省级数据交换', roles: ['operator', 'supervisor'] } },
  { path: 'accountability', name: 'accountability', component: () => import('./pages/work/AccountabilityPage.vue'), meta: { title: '问责清单', roles: ['supervisor', 'operator'] } },
  { path: 'coordination', name: 'coordination', component: () => import('./pages/work/CoordinationPage.vue'), meta: { title: '协调申请', roles: ['officer', 'dept_admin', 'supervisor'] } },
  { path: 'inspections', name: 'inspections', component: () => import('./pages/work/InspectionsPage.vue'), meta: { title: '督查意见', roles: ['officer', 'supervisor'] } },
  { path: 'statistics', name: 'statistics', component: () => import('./pages/work/StatisticsPage.vue'), meta: { title: '统计分析', roles: ['supervisor', 'operator', 'officer', 'dept_admin'] } },
  { path: 'catalog', name: 'catalog', component: () => import('./pages/work/CatalogPage.vue'), meta: { title: '事项目录', roles: ['operator'] } },
  { path: 'calendar', name: 'calendar', component: () => import('./pages/work/CalendarPage.vue'), meta: { title: '工作日历', roles: ['operator'] } },
  { path: 'accounts', name: 'accounts', component: () => import('./pages/work/AccountsPage.vue'), meta: { title: '账号管理', roles: ['operator', 'dept_admin'] } },
  { path: 'guidance', name: 'guidance', component: () => import('./pages/work/GuidanceListPage.vue'), meta: { title: '联合辅导', roles: ['officer', 'clerk', 'supervisor'] } },
  { path: 'guidance-window', name: 'guidance-window', component: () => import('./pages/work/GuidanceWindowPage.vue'), meta: { title: '现场辅导申请', roles: ['clerk'] } },
  { path: 'guidance/:id', name: 'guidance-session', component: () => import('./pages/work/GuidanceSessionPage.vue'), meta: { title: '辅导详情', roles: ['officer', 'clerk', 'supervisor'] } },
  { path: 'guidance-analysis', name: 'guidance-analysis', component: () => import('./pages/work/GuidanceAnalysisPage.vue'), meta: { title: '辅导分析', roles: ['officer', 'supervisor'] } },
  // notices
  { path: 'inbox', name: 'work-inbox', component: () => import('./pages/work/InboxPage.vue'), meta: { title: '消息', roles: STAFF } },
  { path: 'contacts', name: 'contacts', component: () => import('./pages/work/ContactsPage.vue'), meta: { title: '通知联系方式', roles: ['operator'] } },
]

export const routes: RouteRecordRaw[] = [
  { path: '/', component: PortalLayout, children: portal },
  { path: '/work', component: WorkLayout, children: work },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { title: '页面不存在' } },
]

export const router = createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes })

router.beforeEach((to) => {
  const roles = to.meta.roles
  if (!roles) return true
  const who = session.identity.value
  if (!who) return { name: 'login', query: { next: to.fullPath } }
  if (!roles.includes(who.role)) return homeOf(who.role)
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title ? `${to.meta.title} - ` : ''}工程建设项目审批管理系统`
})
