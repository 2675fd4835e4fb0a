import { wordedProblems } from '../api/problem';

/** The API's codes of creating and changing tasks that a person meets, in their language (the rest: problemMessage). */
const tasks = wordedProblems({
  TENANT_LIMIT_REACHED: 'tasks.error.tenantLimit',
});

export const taskProblem = tasks.problem;
/** Runs `request`; its API error becomes an Error in words, for ConfirmDialog (which shows an Error's message as is). */
export const inWords = tasks.inWords;
