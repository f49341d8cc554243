// ESM as shipped (no Babel): run with NODE_OPTIONS=--experimental-vm-modules.
export default { testEnvironment: 'jsdom', transform: {} };
