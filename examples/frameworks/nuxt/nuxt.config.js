export default defineNuxtConfig({
  compatibilityDate: '2025-07-15',
  devtools: { enabled: false },
  telemetry: false,
  // NUXT_PUBLIC_SESSIONSIGHT_ENDPOINT sets it when the server starts.
  runtimeConfig: { public: { sessionsightEndpoint: '' } },
});
