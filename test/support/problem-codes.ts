import { join, relative } from 'node:path';
import ts from 'typescript';

/** What a problem code looks like: `<context>.<snake_case>` (a few platform ones have more dots), or `internal`. */
export const CODE_SHAPE = /^(internal|[a-z][a-z0-9_]*(\.[a-z0-9_]+)+)$/;

/** A place a name matching this holds a problem code: a `code` parameter or property, `invalidCode`, `staleCode`… */
const CODE_NAME = /(^|[a-z])(code|Code)$/;

export type CodeScan = {
  /** every problem code the source writes down */
  codes: Set<string>;
  /** code positions whose value is built from parts (`file:line text`): such a code can be found by no scan */
  computed: string[];
  /** error classes that extend DomainError directly instead of one of its kinds (`file:line name`) */
  outsideKinds: string[];
};

/** The one code built at run time on purpose: the problem filter's name for an HTTP error it has no code for. */
const COMPUTED_ON_PURPOSE = ['`http.status_${status}`'];

const programOf = (root: string): ts.Program => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json not readable');
  const sources = config.fileNames.filter((file) => file.startsWith(join(root, 'src/')) && !file.endsWith('.spec.ts'));
  return ts.createProgram(sources, { ...config.options, noEmit: true });
};

/**
 * Reads every problem code out of `src/` with the TypeScript compiler (tests excluded): string literals at code
 * positions, i.e. arguments bound to a parameter named like `code` (the kind constructors of
 * `shared-kernel/errors.ts`, `super(…)` of a named error class, `problem()`, `ZodPipe`, helpers that forward a code),
 * a constant such an argument names, object properties named like `code` (`{ code: 'request.timeout' }`) and
 * defaults of such parameters. Also reports what would escape the scan: codes built from parts, and error classes
 * outside the kinds.
 */
export const scanProblemCodes = (root: string): CodeScan => {
  const program = programOf(root);
  const checker = program.getTypeChecker();
  const scan: CodeScan = { codes: new Set(), computed: [], outsideKinds: [] };
  const where = (node: ts.Node) => {
    const file = node.getSourceFile();
    return `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };
  const collect = (text: string) => {
    if (CODE_SHAPE.test(text)) scan.codes.add(text);
  };

  /** The literals a code position's expression may evaluate to; parts it builds at run time are reported. */
  const readCodePosition = (expression: ts.Expression): void => {
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return collect(node.text);
      if (ts.isTemplateExpression(node) || (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)) {
        if (!COMPUTED_ON_PURPOSE.includes(node.getText())) scan.computed.push(`${where(node)} ${node.getText()}`);
        return;
      }
      if (ts.isIdentifier(node)) {
        // a constant holding a code (`const INVALID_WEBHOOK = 'payment.invalid_webhook'`)
        const declaration = checker.getSymbolAtLocation(node)?.valueDeclaration;
        if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) visit(declaration.initializer);
        return;
      }
      if (ts.isCallExpression(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return;
      ts.forEachChild(node, visit);
    };
    visit(expression);
  };

  const readCall = (call: ts.CallExpression | ts.NewExpression): void => {
    const declaration = checker.getResolvedSignature(call)?.getDeclaration();
    if (!declaration || !('parameters' in declaration)) return;
    declaration.parameters.forEach((parameter, index) => {
      const argument = call.arguments?.[index];
      if (argument && ts.isIdentifier(parameter.name) && CODE_NAME.test(parameter.name.text)) readCodePosition(argument);
    });
  };

  const extendsDomainErrorItself = (node: ts.ClassLikeDeclaration): boolean =>
    (node.heritageClauses ?? []).some((clause) => clause.types.some((type) => type.expression.getText() === 'DomainError'));

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) readCall(node);
    else if (ts.isPropertyAssignment(node) && CODE_NAME.test(node.name.getText())) {
      if (ts.isStringLiteral(node.initializer)) collect(node.initializer.text);
      else if (ts.isTemplateExpression(node.initializer)) readCodePosition(node.initializer);
    } else if ((ts.isParameter(node) || ts.isPropertyDeclaration(node)) && node.initializer && CODE_NAME.test(node.name.getText())) {
      readCodePosition(node.initializer);
    } else if (
      ts.isClassLike(node) &&
      extendsDomainErrorItself(node) &&
      !node.getSourceFile().fileName.endsWith('shared-kernel/errors.ts')
    ) {
      scan.outsideKinds.push(`${where(node)} ${node.name?.text ?? '(anonymous class)'}`);
    }
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles()) {
    if (!file.isDeclarationFile && file.fileName.startsWith(join(root, 'src/'))) visit(file);
  }
  return scan;
};
