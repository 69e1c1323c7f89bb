import { createApp } from 'vue';
import 'element-plus/theme-chalk/base.css';
import './styles.css';
import App from './App.vue';
import { router } from './router.ts';

createApp(App).use(router).mount('#app');

// Installable and usable offline (public/sw.js); only in the built app — the dev server changes files
// under a service worker's feet.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  void navigator.serviceWorker.register(`/sw.js?v=${__BUILD_ID__}`).catch((e) => console.warn('service worker:', e));
}
