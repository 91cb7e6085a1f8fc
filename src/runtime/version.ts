/** rehearse's version (package.json `version`; a test keeps them equal). As pydantic-ai's `__version__`. */
export const VERSION = '0.1.0';
