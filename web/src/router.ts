// Routes and the menu: a screen appears in the menu when its route has `meta.menu` and the user has
// one of its roles. Later screens (月报, 验收与排名, 通知, 证据, Excel) slot in as routes here.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { setSignedOutHandler } from './api/client.ts';
import { filterFromRoute, prefetchFirstPage } from './api/ledger.ts';
import { t, type MessageKey } from './i18n.ts';
import LoginView from './views/LoginView.vue';
import { hasRole, session, type Role } from './session.ts';

declare module 'vue-router' {
  interface RouteMeta {
    title?: MessageKey;
    public?: boolean;
    roles?: Role[];
    /** Show in the menu, under `group` when given. */
    menu?: { icon: string; group?: 'admin' };
  }
}

const ALL: Role[] = ['admin', 'supervisor', 'lead', 'handler', 'inspector', 'viewer'];

export const appRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'workbench',
    component: () => import('./views/WorkbenchView.vue'),
    meta: { title: 'nav.workbench', roles: ALL, menu: { icon: 'House' } },
  },
  {
    path: 'ledger',
    name: 'ledger',
    component: () => import('./views/LedgerView.vue'),
    meta: { title: 'nav.ledger', roles: ALL, menu: { icon: 'List' } },
  },
  {
    path: 'items/:id',
    name: 'item',
    component: () => import('./views/ItemView.vue'),
    meta: { title: 'nav.ledger', roles: ALL },
  },
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('./views/DashboardView.vue'),
    meta: {
      title: 'nav.dashboard',
      roles: ['admin', 'supervisor', 'lead', 'inspector', 'viewer'],
      menu: { icon: 'DataLine' },
    },
  },
  {
    path: 'admin/org',
    name: 'org',
    component: () => import('./views/admin/OrgView.vue'),
    meta: { title: 'nav.org', roles: ['admin', 'supervisor'], menu: { icon: 'OfficeBuilding', group: 'admin' } },
  },
  {
    path: 'admin/users',
    name: 'users',
    component: () => import('./views/admin/UsersView.vue'),
    meta: { title: 'nav.users', roles: ['admin', 'supervisor'], menu: { icon: 'User', group: 'admin' } },
  },
  {
    path: 'admin/campaigns',
    name: 'campaigns',
    component: () => import('./views/admin/CampaignsView.vue'),
    meta: { title: 'nav.campaigns', roles: ['admin', 'supervisor', 'lead'], menu: { icon: 'Flag', group: 'admin' } },
  },
  {
    path: 'admin/notify',
    name: 'notify',
    component: () => import('./views/admin/NotifyView.vue'),
    meta: { title: 'nav.notify', roles: ['admin'], menu: { icon: 'Bell', group: 'admin' } },
  },
  {
    path: 'rankings',
    name: 'rankings',
    component: () => import('./views/RankingView.vue'),
    meta: {
      title: 'nav.rankings',
      // Villages too: the published ranking of their own unit and the bulletin sent to them.
      roles: ['admin', 'supervisor', 'lead', 'handler', 'inspector', 'viewer'],
      menu: { icon: 'Trophy' },
    },
  },
  {
    path: 'reports',
    name: 'reports',
    component: () => import('./views/ReportsView.vue'),
    meta: { title: 'report.nav', roles: ALL, menu: { icon: 'Document' } },
  },
  {
    path: 'reports/:campaignId/:period/units/:unitId',
    name: 'report',
    component: () => import('./views/ReportView.vue'),
    meta: { title: 'report.nav', roles: ALL },
  },
  {
    // Where a group robot's link points (钉钉, 飞书): the document with its downloads, after signing in.
    path: 'documents/:id',
    name: 'document',
    component: () => import('./views/DocumentView.vue'),
    meta: { title: 'documents.page', roles: ALL },
  },
  {
    path: 'notices',
    name: 'notices',
    component: () => import('./views/NoticesView.vue'),
    meta: { title: 'nav.notices', roles: ALL },
  },
  {
    path: 'profile',
    name: 'profile',
    component: () => import('./views/ProfileView.vue'),
    meta: { title: 'nav.profile', roles: ALL },
  },
];

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'login.title' } },
    { path: '/', component: () => import('./components/AppLayout.vue'), children: appRoutes },
    // The public side (公示): no sign-in, no app layout; the server answers 404 when a campaign keeps it off.
    {
      path: '/public/:campaignId',
      name: 'public-campaign',
      component: () => import('./views/public/PublicCampaignView.vue'),
      meta: { public: true, title: 'publicSide.title' },
    },
    {
      path: '/public/:campaignId/notices/:itemId',
      name: 'public-notice',
      component: () => import('./views/public/PublicNoticeView.vue'),
      meta: { public: true, title: 'publicSide.notices' },
    },
    {
      path: '/:rest(.*)*',
      name: 'not-found',
      component: () => import('./views/NotFoundView.vue'),
      meta: { public: true, title: 'app.notFound' },
    },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (to.meta.roles && !hasRole(...to.meta.roles)) return { name: 'workbench' };
  if (to.name === 'ledger') prefetchFirstPage(filterFromRoute(to.query));
  return true;
});

router.afterEach((to) => {
  document.title = `${to.meta.title ? `${t(to.meta.title)} · ` : ''}${t('app.name')}`;
});

setSignedOutHandler(() => {
  const here = router.currentRoute.value;
  if (here.name !== 'login') void router.push({ name: 'login', query: { expired: '1', next: here.fullPath } });
});
