/// <reference types="vite/client" />

/** The build's id (vite.config.ts): the service worker's cache is named after it. */
declare const __BUILD_ID__: string;
