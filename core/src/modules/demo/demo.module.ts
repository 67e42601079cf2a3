import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { kernelServices } from '../../kernel/services.js';
import { DemoService, demoServiceRef } from './demo.service.js';

/**
 * The demo tenant (`huiliu demo`, ADR 0030). Its sample data goes through the public APIs and the
 * SDK like an integrator's; this module only remembers which tenant is the demo and how far it got.
 */
export const demoModule = defineModule({
  id: 'demo',
  title: { 'zh-CN': '演示数据', 'en-US': 'Demo data' },
  tables: ['demo_run'],
  dependencies: ['tenancy'],
  provides: [
    createServiceFactory({
      service: demoServiceRef,
      deps: { db: kernelServices.moduleDatabase },
      factory: ({ db }) => new DemoService(db),
    }),
  ],
  register({ registerInit }) {
    // No routes or contributions: the CLI (`huiliu demo`, `huiliu start --demo`) uses the service.
    registerInit({ deps: {}, init() {} });
  },
});
