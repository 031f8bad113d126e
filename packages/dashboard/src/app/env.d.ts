/** Stylesheets are bundled by Vite; to TypeScript an import of one is a side effect only. */
declare module '*.css' {}
