import { type LandscapeScene, landscapeScenes } from "../../src/tour/scenes.js";

/** A two-dimensional scene of `descent tour` with the words the tour page shows beside it. */
export interface TourScene {
  scene: LandscapeScene;
  title: string;
  /** The claim of the tour section that the scene belongs to, worded as `descent tour` states it. */
  claim: string;
  /** Explanation of what the race shows and why, in a few sentences. */
  explanation: string;
}

/**
 * Claims of the tour sections that have two-dimensional scenes, by section id.
 * `descent tour` writes the same sentences in its report.
 */
export const SECTION_CLAIMS: Readonly<Record<string, string>> = {
  "learning-rate": "Too large a learning rate overshoots the minimum and can diverge; too small a one crawls.",
  saddle:
    "Plain gradient descent stalls at saddle points and in flat areas, where the gradient is close to " +
    "zero, while momentum and adaptive methods move on.",
  momentum:
    "Momentum accumulates speed, so it rolls through small local minima, and it damps oscillation: " +
    "gradient components that flip sign cancel in the velocity while steady ones add up.",
  nesterov:
    "Nesterov momentum computes the gradient where the momentum is about to carry the parameters, so it " +
    "corrects sooner and overshoots less than classical momentum.",
  adam:
    "Adam combines momentum (a running mean of the gradient) with RMSprop's per-parameter rates (a " +
    "running mean of its square), so it should do at least as well as either part alone.",
  nadam: "Nadam puts Nesterov's look-ahead into Adam's first moment, so it overshoots less than Adam.",
};

/** Title and explanation of each scene, by scene id. */
const SCENE_TEXTS: Readonly<Record<string, { title: string; explanation: string }>> = {
  "learning-rate": {
    title: "Learning rate: crawl, glide, zigzag, blow up",
    explanation:
      "SGD runs four times on the ill-conditioned quadratic. Its steepest curvature is 50, so gradient " +
      "descent is stable only below the learning rate 2/50 = 0.04. At 0.002 the run covers only part of " +
      "the way in 100 steps. At 0.038 it jumps across the valley floor on every step but lands a little " +
      "closer each time. At 0.042 every jump lands farther out, and the loss grows without bound.",
  },
  saddle: {
    title: "Leaving a saddle point",
    explanation:
      "The start lies just off the ridge y = 0 of x² − y², where the gradient's y part is tiny. SGD " +
      "follows the steep x part towards the saddle at the origin and lingers there until the y part has " +
      "grown. Momentum takes the same route but gathers speed. RMSprop and Adam divide each coordinate's " +
      "step by its running gradient size, so the tiny y part becomes a full-sized step and they turn off " +
      "the ridge early.",
  },
  "monkey-saddle": {
    title: "Crossing a flat centre",
    explanation:
      "The monkey saddle x³ − 3xy² is flat at the origin: its gradient shrinks with the square of the " +
      "distance, so SGD's steps shrink as it comes closer and it creeps across the centre. Momentum adds " +
      "the small steps up. RMSprop and Adam rescale the small gradients to full-sized steps and leave " +
      "within a few dozen steps. Beyond the centre the function falls without bound: momentum's path " +
      "grows until its values are no longer finite, and the table marks it diverged.",
  },
  "local-minima": {
    title: "Rolling through a local minimum",
    explanation:
      "SGD without and with momentum 0.9 share the learning rate 0.01 and the start on the six-hump " +
      "camel, which has two global and four local minima (black and grey crosses). Plain SGD stops in the " +
      "local minimum nearest the start. Momentum carries its speed over the ridge beside it and settles in " +
      "a lower minimum.",
  },
  ravine: {
    title: "Damping the zigzag",
    explanation:
      "The quadratic's valley is 50 times steeper across than along. SGD at lr 0.035 overshoots the floor " +
      "on every step and zigzags down the valley. Momentum 0.9 at lr 0.0035 takes the same step on a " +
      "steady slope, η/(1 − μ), but the part of the gradient that flips sign cancels in its velocity, so " +
      "it crosses the floor far less often and ends lower.",
  },
  nesterov: {
    title: "Nesterov's look-ahead",
    explanation:
      "Both runs use η = 0.01 and μ = 0.9 in the ravine. Classical momentum steps along its velocity b " +
      "and shoots past the minimum before it turns. Nesterov's form, as PyTorch writes it, steps along " +
      "g + μ·b, which stands in for the gradient where the velocity is about to carry the point. It brakes " +
      "sooner: it overshoots less along the valley and travels far less across it.",
  },
  "adam-rosenbrock": {
    title: "Adam and its parts on Rosenbrock's valley",
    explanation:
      "SGD with momentum 0.9, RMSprop and Adam each run at the learning rate the landscape module lists " +
      "as its default for Rosenbrock (the legend gives them). After 500 steps Adam ends closest to the " +
      "minimum at (1, 1). RMSprop, with no velocity to carry it along the curved floor, ends farthest. " +
      "The tour's verdict counts every test function with a known minimum, and this is one of them.",
  },
  "adam-beale": {
    title: "Adam and its parts on Beale's plateaus",
    explanation:
      "Beale's function has flat plateaus between steep walls, so gradient sizes vary by orders of " +
      "magnitude. At their default rates for Beale, Adam and momentum both reach the minimum at (3, 0.5) " +
      "within 500 steps, while RMSprop is still short of it.",
  },
  nadam: {
    title: "Nadam against Adam",
    explanation:
      "Both use lr 0.2 and the default betas in the ravine. Adam's first moment carries it past the " +
      "valley floor again and again before the swings die down. Nadam's step combines the current " +
      "gradient with the first moment weighted by the next step's momentum coefficient, Dozat's form of " +
      "the look-ahead, so it turns sooner and crosses the floor only a few times.",
  },
};

/**
 * Joins a scene with its title, explanation and section claim.
 * @throws Error naming the scene when this module has no text for it.
 */
function describeScene(scene: LandscapeScene): TourScene {
  const text = SCENE_TEXTS[scene.id];
  const claim = SECTION_CLAIMS[scene.section];
  if (text === undefined || claim === undefined) {
    throw new Error(
      `The tour page has no text for scene "${scene.id}" (section "${scene.section}"). ` +
        "Add its title and explanation to SCENE_TEXTS and its section's claim to SECTION_CLAIMS in web/src/tour-scenes.ts.",
    );
  }
  return { scene, claim, ...text };
}

/** Every two-dimensional scene of the tour, in the tour's order. */
export const tourScenes: readonly TourScene[] = landscapeScenes.map(describeScene);
