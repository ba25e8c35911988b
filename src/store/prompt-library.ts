/**
 * The prompt library shipped with backchat: starter prompts shown on the empty chat screen
 * (`GET /backend-api/prompt_library/`). Seeded once by migration 002; operators may edit the table.
 * Ids are fixed 8-hex strings so that edits and later migrations can refer to them.
 */
import type { PromptRecord } from './store.js';

/** The categories of the library (pandora-web's set plus `plan` and `fun`). */
export const promptCategories = ['idea', 'code', 'write', 'teach-or-explain', 'plan', 'fun'] as const;

/** One of `promptCategories`. */
export type PromptCategory = (typeof promptCategories)[number];

/** A shipped prompt: `title` + `description` read as one phrase ("Plan a trip" "to see the fjords…"). */
export interface LibraryPrompt extends PromptRecord {
  category: PromptCategory;
}

const ideaPrompts: LibraryPrompt[] = [
  {
    id: '7fe8645d',
    title: 'Brainstorm names',
    description: 'for a neighbourhood bakery that opens at dawn',
    prompt:
      "I'm opening a small bakery that opens at 5am and sells mostly sourdough and pastries to commuters. Give me 15 name ideas, mixing playful and classic ones, and say in one line what each name suggests.",
    category: 'idea',
  },
  {
    id: 'ffbc24ff',
    title: 'Come up with gift ideas',
    description: 'for a friend who just started rock climbing',
    prompt:
      "My friend just got into indoor rock climbing and her birthday is next week. Suggest 10 gift ideas across three budgets (under $20, $20–60, and a splurge), and skip anything she'd need to be fitted for.",
    category: 'idea',
  },
  {
    id: '2b8d20d9',
    title: 'Suggest weekend projects',
    description: 'that use the old pallets in my garage',
    prompt:
      'I have four wooden shipping pallets and basic tools (drill, saw, sander). Suggest six weekend projects I could build with them, with a rough difficulty rating and what else I would need to buy for each.',
    category: 'idea',
  },
  {
    id: '978496bc',
    title: 'Think of team rituals',
    description: 'that help a remote team feel connected',
    prompt:
      'I lead a fully remote team of eight engineers across three time zones. Suggest lightweight rituals that build connection without adding meetings people dread. For each one, explain how it works and how much time it takes per week.',
    category: 'idea',
  },
  {
    id: 'c9f53087',
    title: 'Generate blog post ideas',
    description: 'for a personal finance blog for students',
    prompt:
      "I'm starting a personal finance blog for university students. Give me 12 post ideas with working titles, each aimed at a specific, practical money problem students actually run into.",
    category: 'idea',
  },
  {
    id: '1d3bcc41',
    title: 'Brainstorm party themes',
    description: "for a ten-year-old's birthday",
    prompt:
      'My son is turning ten and loves maps, puzzles and anything mysterious. Suggest five party themes for about twelve kids at home, each with an activity, a simple decoration idea and a food idea that fits the theme.',
    category: 'idea',
  },
  {
    id: 'ed1fc778',
    title: 'Find new uses',
    description: 'for leftover cooked rice',
    prompt:
      'I cooked far too much rice yesterday. Give me eight ideas for using leftover cooked rice, from a quick lunch to something a bit special, with a one-line description of each and a note on storing rice safely.',
    category: 'idea',
  },
  {
    id: 'd9b80562',
    title: 'Invent a board game',
    description: 'built around trading favours',
    prompt:
      'Invent a board game for 3–5 players where the core mechanic is trading favours that must be repaid later. Describe the goal, a turn, how favours are tracked, and one twist that stops a single player from running away with the game.',
    category: 'idea',
  },
  {
    id: 'f94a907d',
    title: 'Pitch app ideas',
    description: 'that fix small everyday annoyances',
    prompt:
      'Pitch seven small app ideas that each fix one everyday annoyance (think lost receipts, shared chores, forgotten plant watering). For each, give a one-sentence pitch, the first feature to build, and why people would keep using it.',
    category: 'idea',
  },
  {
    id: 'bc30c7c3',
    title: 'Brainstorm fundraising ideas',
    description: 'for a community garden',
    prompt:
      'Our community garden needs to raise about $3,000 for a new shed and water tank. Brainstorm ten fundraising ideas that also bring neighbours together, and estimate the effort and likely amount raised for each.',
    category: 'idea',
  },
  {
    id: 'b59d35f8',
    title: 'Suggest conversation starters',
    description: "for meeting my partner's family",
    prompt:
      "I'm meeting my partner's parents and grandparents for the first time at a long Sunday lunch. Suggest conversation starters that are warm, not too personal, and work across generations, plus a few graceful ways to recover from an awkward silence.",
    category: 'idea',
  },
  {
    id: '4d388478',
    title: 'Come up with a science project',
    description: 'for a seventh grader who loves plants',
    prompt:
      'Suggest five science fair projects for a 12-year-old who loves plants. Each should be doable at home in three weeks with cheap materials, have a clear question to test, and produce results that can be measured and graphed.',
    category: 'idea',
  },
];

const codePrompts: LibraryPrompt[] = [
  {
    id: '8c480a75',
    title: 'Design a database schema',
    description: "for a small library's lending system",
    prompt:
      'Design a relational database schema for a small public library: members, books with several copies each, loans, reservations and late fees. Show the tables with their columns and keys, and explain the trickier choices you made.',
    category: 'code',
  },
  {
    id: 'ee2a8889',
    title: 'Write a Python script',
    description: 'to rename photos by the date they were taken',
    prompt:
      'Write a Python script that goes through a folder of JPEG photos, reads the date each was taken from its EXIF data, and renames it to YYYY-MM-DD_HH-MM-SS.jpg. Handle duplicate timestamps and photos without EXIF data gracefully.',
    category: 'code',
  },
  {
    id: '488058b2',
    title: 'Explain a regular expression',
    description: 'piece by piece, with examples',
    prompt:
      'Explain what this regular expression matches, one piece at a time, and give examples of strings it accepts and rejects: ^(?=.*\\d)(?=.*[a-z])(?=.*[A-Z]).{8,}$',
    category: 'code',
  },
  {
    id: '792a8fd3',
    title: 'Write a SQL query',
    description: 'to find customers who stopped ordering',
    prompt:
      "I have tables customers(id, name) and orders(id, customer_id, created_at, total). Write a SQL query that finds customers who ordered at least three times last year but haven't ordered in the last 90 days, and explain how it works.",
    category: 'code',
  },
  {
    id: '6b69d49a',
    title: 'Write unit tests',
    description: 'for a function that parses durations',
    prompt:
      'I have a JavaScript function parseDuration(text) that turns strings like "1h 30m", "45s" or "2d" into a number of seconds and throws on invalid input. Write a thorough set of unit tests for it, including edge cases I might not have thought of.',
    category: 'code',
  },
  {
    id: '0a3abcc4',
    title: 'Build a to-do app',
    description: 'in plain HTML, CSS and JavaScript',
    prompt:
      'Build a small to-do list web app in a single HTML file using plain CSS and JavaScript, no frameworks. Tasks can be added, completed and deleted, and are saved in localStorage. Keep the code readable and briefly commented.',
    category: 'code',
  },
  {
    id: '8fc431e7',
    title: 'Write a shell command',
    description: 'to find the largest files on my disk',
    prompt:
      'Give me a shell command for Linux that lists the 20 largest files under my home directory with human-readable sizes, then explain what each part of the command does.',
    category: 'code',
  },
  {
    id: '1b715fa0',
    title: 'Convert callbacks',
    description: 'to async/await in JavaScript',
    prompt:
      'Show me how to turn a Node.js function that takes a callback (like fs.readFile) into one that returns a promise and can be used with async/await. Include error handling and explain the pattern so I can apply it to other functions.',
    category: 'code',
  },
  {
    id: 'b548f686',
    title: 'Debug a slow query',
    description: 'in PostgreSQL, step by step',
    prompt:
      'A PostgreSQL query on a 10-million-row table went from 50 ms to 8 seconds as the table grew. Walk me through finding out why: what to run, what to look for in the EXPLAIN ANALYZE output, and the usual fixes.',
    category: 'code',
  },
  {
    id: 'c4937fac',
    title: 'Make a Git cheat sheet',
    description: 'for undoing common mistakes',
    prompt:
      'Write a concise Git cheat sheet for undoing common mistakes: committing to the wrong branch, a bad commit message, committing a secret, a bad merge, and getting back work I thought I deleted. For each, give the commands and say when they are dangerous.',
    category: 'code',
  },
  {
    id: '5de124b3',
    title: 'Create a REST API',
    description: 'for a simple bookmark manager',
    prompt:
      'Create a small REST API in TypeScript with Express for a bookmark manager: create, list (filterable by tag), update and delete bookmarks. Keep them in memory for now, validate the input, and return sensible status codes.',
    category: 'code',
  },
  {
    id: 'bd712332',
    title: 'Explain a design pattern',
    description: 'with a realistic example in code',
    prompt:
      'Explain the strategy pattern with a realistic example: calculating shipping costs for different carriers. Show the code in Python, then tell me when using the pattern would be overkill.',
    category: 'code',
  },
];

const writePrompts: LibraryPrompt[] = [
  {
    id: 'd7171a1a',
    title: 'Write a thank-you note',
    description: 'to a mentor who is retiring',
    prompt:
      "My mentor of six years is retiring next month. She taught me how to run meetings, pushed me to apply for my current role, and always made time for me. Write a heartfelt thank-you note that's personal without being over the top.",
    category: 'write',
  },
  {
    id: 'd1d45265',
    title: 'Draft an email',
    description: 'asking my landlord to fix the heating',
    prompt:
      "Help me write a polite but firm email to my landlord. The heating in my flat has been broken for nine days, I've reported it twice by phone, and it's about 14°C inside. I want it repaired within a week and a written reply.",
    category: 'write',
  },
  {
    id: '11821a5d',
    title: 'Write a short story',
    description: 'about a lighthouse keeper who gets a letter',
    prompt:
      'Write a short story (about 800 words) about a lighthouse keeper on a remote island who receives a letter addressed to someone who lived there fifty years ago. Keep the tone quiet and a little mysterious, and end on a hopeful note.',
    category: 'write',
  },
  {
    id: '7bffd482',
    title: 'Write a cover letter',
    description: 'for a career change into UX design',
    prompt:
      "I've been a primary school teacher for seven years and I'm applying for junior UX designer roles. Write a cover letter that turns my teaching experience into relevant strengths without sounding apologetic about the switch. Leave placeholders for the company and role.",
    category: 'write',
  },
  {
    id: 'dea2f54b',
    title: 'Write a toast',
    description: "for my sister's wedding",
    prompt:
      "Write a two-minute wedding toast for my younger sister. She's adventurous, terrible at keeping secrets and fiercely loyal; she met her partner when they both missed the same ferry. Make it funny first and moving at the end.",
    category: 'write',
  },
  {
    id: '5fc05f6a',
    title: 'Write a product description',
    description: 'for a handmade ceramic mug',
    prompt:
      'Write a product description for an online shop selling a handmade stoneware mug: speckled oatmeal glaze, holds 350 ml, dishwasher safe, each one slightly different. Around 120 words, warm but not gushing, with a short headline.',
    category: 'write',
  },
  {
    id: '62d5117a',
    title: 'Write a poem',
    description: 'about the first snow of the year',
    prompt:
      'Write a short poem about waking up to the first snow of the year in a city. Free verse, under 20 lines, with concrete images rather than abstractions.',
    category: 'write',
  },
  {
    id: '1991b5b9',
    title: 'Draft a LinkedIn post',
    description: "announcing I've started a new job",
    prompt:
      "Draft a LinkedIn post announcing that I've started as a data analyst at a renewable energy company after three years in retail banking. Thank my old team briefly, say what I'm excited about, and keep it under 150 words with no hashtag spam.",
    category: 'write',
  },
  {
    id: 'f2a0cca0',
    title: 'Write a message',
    description: 'to decline a job offer politely',
    prompt:
      "I need to decline a job offer after three rounds of interviews because I accepted another one. Write a short, gracious message to the hiring manager that keeps the door open for the future and doesn't over-explain.",
    category: 'write',
  },
  {
    id: '9299f122',
    title: 'Write a speech',
    description: 'to open a school science fair',
    prompt:
      'Write a three-minute speech for a head teacher opening a school science fair. The audience is pupils aged 8 to 14 and their parents. Celebrate curiosity and failed experiments as much as successful ones, and end with a line the kids will remember.',
    category: 'write',
  },
  {
    id: '0cdfeba4',
    title: 'Write a bedtime story',
    description: 'about a dragon who is afraid of the dark',
    prompt:
      'Write a gentle bedtime story for a four-year-old about a small dragon who is afraid of the dark, and how a firefly helps him feel brave. About five minutes read aloud, with a calm, sleepy ending.',
    category: 'write',
  },
  {
    id: '9da0862d',
    title: 'Write an apology',
    description: 'to a customer whose order arrived late',
    prompt:
      "A customer's birthday present order arrived three days late, after the birthday, because we shipped it to an old address by mistake. Write an apology email that owns the mistake, explains it in one sentence, and offers a full refund without asking for the item back.",
    category: 'write',
  },
];

const teachPrompts: LibraryPrompt[] = [
  {
    id: 'd991faa1',
    title: 'Explain compound interest',
    description: "like I'm twelve years old",
    prompt:
      "Explain compound interest as if I'm twelve, using an example with real numbers over a few years. Then show how the same idea works against me with credit card debt.",
    category: 'teach-or-explain',
  },
  {
    id: '557c8c27',
    title: 'Explain how vaccines work',
    description: 'in simple terms',
    prompt:
      'Explain in simple terms how vaccines train the immune system, what the difference is between the main types of vaccine, and why some need booster doses. Use an analogy, then say where the analogy breaks down.',
    category: 'teach-or-explain',
  },
  {
    id: '989e6210',
    title: 'Teach me basic Portuguese',
    description: 'for a weekend trip to Lisbon',
    prompt:
      "I'm spending a weekend in Lisbon and speak no Portuguese. Teach me the 25 most useful phrases for cafés, shops, transport and politeness, with a rough pronunciation guide, and tell me a couple of common mistakes tourists make.",
    category: 'teach-or-explain',
  },
  {
    id: '7854800a',
    title: 'Explain the offside rule',
    description: 'in football, with examples',
    prompt:
      "Explain football's offside rule to someone watching their first match. Start with the basic idea, then walk through three situations: one clearly offside, one clearly onside, and one that often confuses people.",
    category: 'teach-or-explain',
  },
  {
    id: 'eec090cf',
    title: 'Explain how black holes form',
    description: 'and what happens near one',
    prompt:
      'Explain how black holes form, what the event horizon is, and what would happen to someone falling towards one. Keep it accurate but accessible for a curious adult with no physics background.',
    category: 'teach-or-explain',
  },
  {
    id: 'dea060ef',
    title: 'Quiz me',
    description: 'on world capitals',
    prompt:
      'Quiz me on world capitals, one question at a time. Start easy and get harder as I get answers right. After each answer, tell me if I was correct and share one interesting fact about the city. Keep score.',
    category: 'teach-or-explain',
  },
  {
    id: '90e94fc5',
    title: 'Explain what an API is',
    description: 'to a non-technical colleague',
    prompt:
      'Explain what an API is to a colleague in marketing who has never written code. Use an everyday analogy, then a concrete example from a tool they probably use, and finish with three words they might hear developers say and what those mean.',
    category: 'teach-or-explain',
  },
  {
    id: '08704ab7',
    title: 'Help me read',
    description: 'a nutrition label properly',
    prompt:
      'Teach me how to read a nutrition label on packaged food: what serving size really means, which numbers matter most, how to spot added sugar under other names, and a quick routine for comparing two products in the shop.',
    category: 'teach-or-explain',
  },
  {
    id: '246737e1',
    title: 'Explain the difference',
    description: 'between weather and climate',
    prompt:
      'Explain the difference between weather and climate, and why a very cold winter does not disprove global warming. Use an analogy and one or two simple numbers.',
    category: 'teach-or-explain',
  },
  {
    id: 'dc3989a8',
    title: 'Explain what a p-value means',
    description: 'without the usual misconceptions',
    prompt:
      'Explain what a p-value actually measures, using a simple coin-flipping example. Then list the three most common misinterpretations and explain why each one is wrong.',
    category: 'teach-or-explain',
  },
  {
    id: '53b298b4',
    title: 'Teach me chess openings',
    description: 'as a beginner',
    prompt:
      'I know how the chess pieces move but nothing about strategy. Teach me the principles of a good opening, then show me two beginner-friendly openings move by move, explaining the idea behind each move.',
    category: 'teach-or-explain',
  },
  {
    id: '5f757262',
    title: 'Explain how a fridge works',
    description: 'and why the back gets warm',
    prompt:
      'Explain how a refrigerator keeps food cold, step by step through the refrigeration cycle, and why the back or sides of it feel warm. Use plain language and one good analogy.',
    category: 'teach-or-explain',
  },
];

const planPrompts: LibraryPrompt[] = [
  {
    id: 'f43e383c',
    title: 'Plan a trip',
    description: 'to see the fjords of western Norway',
    prompt:
      "I'd like to see the fjords of western Norway in early June. Plan a five-day trip starting and ending in Bergen using public transport, with one good hike, one boat trip, and a rough daily budget.",
    category: 'plan',
  },
  {
    id: '88a5e418',
    title: 'Make a meal plan',
    description: 'for a week of vegetarian dinners',
    prompt:
      'Make a plan for seven vegetarian dinners for two adults, each ready in under 40 minutes, reusing ingredients across the week to reduce waste. Include one combined shopping list grouped by supermarket aisle.',
    category: 'plan',
  },
  {
    id: 'a9ea066b',
    title: 'Create a running plan',
    description: 'to get back into shape after a break',
    prompt:
      "I used to run 5 km comfortably but haven't run for a year. Create an eight-week plan with three runs a week to get me back to 5 km without injury, and tell me which warning signs mean I should slow down.",
    category: 'plan',
  },
  {
    id: '0563eb7e',
    title: 'Plan a study schedule',
    description: 'for a final exam in four weeks',
    prompt:
      'I have a statistics final in four weeks covering eight chapters, and I can study about 90 minutes on weekdays and three hours on weekends. Build me a study schedule that includes review and practice exams, not just reading.',
    category: 'plan',
  },
  {
    id: '9ddaf1ec',
    title: 'Plan a budget',
    description: 'for moving into my first apartment',
    prompt:
      "I'm moving into my first apartment and take home $2,800 a month; rent is $1,150. Help me plan a monthly budget, list the one-off costs I should expect when moving in, and suggest how much to keep as an emergency fund.",
    category: 'plan',
  },
  {
    id: '6546e74e',
    title: 'Plan a balcony garden',
    description: 'for a small sunny space',
    prompt:
      'I have a 2 × 1 metre balcony that gets about six hours of afternoon sun. Plan a container garden with herbs, a few vegetables and something that flowers, with a planting calendar for spring and summer and what size pots to buy.',
    category: 'plan',
  },
  {
    id: '7440b1d1',
    title: 'Plan a dinner party',
    description: 'for eight guests with different diets',
    prompt:
      "I'm hosting eight people for dinner: two vegans, one coeliac, and one who doesn't eat spicy food. Plan a three-course menu everyone can enjoy together, and a timeline for the day so I'm not stuck in the kitchen when guests arrive.",
    category: 'plan',
  },
  {
    id: '9186213d',
    title: 'Create a reading plan',
    description: 'to get into classic science fiction',
    prompt:
      "I want to get into classic science fiction but don't know where to start. Create a reading plan of ten books in a sensible order, with a sentence on why each one matters and what to read next if I love it.",
    category: 'plan',
  },
  {
    id: '4143d6b0',
    title: 'Plan a move',
    description: 'to a new city, with a checklist',
    prompt:
      'I am moving to a new city for work in six weeks. Give me a week-by-week checklist covering housing, paperwork, utilities, packing and settling in, plus a few ideas for meeting people once I arrive.',
    category: 'plan',
  },
  {
    id: 'ecb0d005',
    title: 'Plan a product launch',
    description: 'for a small online shop',
    prompt:
      'I run a small online shop selling hand-dyed yarn and I am launching a new colour collection in a month. Plan the launch week by week: newsletter, social posts, a small giveaway, and how to measure whether it worked.',
    category: 'plan',
  },
  {
    id: 'c33a9db3',
    title: 'Plan a rainy day',
    description: 'at home with two kids under six',
    prompt:
      "It's going to rain all Saturday and I'm home with a three-year-old and a five-year-old. Plan the day from breakfast to bedtime with activities that need only things we probably have at home, including one calm activity after lunch.",
    category: 'plan',
  },
  {
    id: '2a79ac26',
    title: 'Plan my first weeks',
    description: 'as a new team manager',
    prompt:
      'I have just been promoted to manage the team I used to be part of, five people. Plan my first 30 days: conversations to have, what to learn, what not to change yet, and how to handle the shift from peer to manager.',
    category: 'plan',
  },
];

const funPrompts: LibraryPrompt[] = [
  {
    id: 'ba96e923',
    title: 'Tell me fun facts',
    description: 'about octopuses',
    prompt:
      'Tell me seven surprising facts about octopuses, and for each one explain briefly why scientists think it is true.',
    category: 'fun',
  },
  {
    id: '07e4f70d',
    title: 'Create a riddle',
    description: 'about something in the kitchen',
    prompt:
      'Write three riddles, each about an everyday kitchen object, from easy to tricky. Give me the riddles first and only reveal the answers when I ask for them.',
    category: 'fun',
  },
  {
    id: 'cb744570',
    title: 'Play a text adventure',
    description: 'on a drifting space station',
    prompt:
      "Let's play a text adventure. I wake up alone on a space station that has lost power and is slowly drifting. Describe what I see, give me choices or let me type my own actions, and keep track of my inventory.",
    category: 'fun',
  },
  {
    id: '410f35d3',
    title: 'Write a limerick',
    description: 'about a cat who hates Mondays',
    prompt: 'Write three limericks about a cat who hates Mondays, each funnier than the last.',
    category: 'fun',
  },
  {
    id: '689e75fe',
    title: 'Invent a mocktail',
    description: 'inspired by a rainy autumn evening',
    prompt:
      'Invent an alcohol-free drink inspired by a rainy autumn evening. Give it a name, a recipe with amounts for one glass, how to garnish it, and a one-line menu description.',
    category: 'fun',
  },
  {
    id: 'a64558c9',
    title: 'Play twenty questions',
    description: "and guess what I'm thinking of",
    prompt:
      "Let's play twenty questions. I'm thinking of something; ask me yes-or-no questions one at a time, keep count, and try to guess it before you run out.",
    category: 'fun',
  },
  {
    id: '058ed971',
    title: 'Give me a trivia quiz',
    description: 'about 1990s pop culture',
    prompt:
      'Give me a ten-question multiple-choice trivia quiz about 1990s music, films, TV and toys. Ask one question at a time, wait for my answer, and keep score.',
    category: 'fun',
  },
  {
    id: 'ddde6144',
    title: 'Narrate my morning',
    description: 'like a nature documentary',
    prompt:
      'Narrate an ordinary weekday morning — alarm, coffee, missing keys, the commute — in the style of a hushed nature documentary about a rare creature in its habitat.',
    category: 'fun',
  },
  {
    id: 'be754891',
    title: 'Create a superhero',
    description: 'whose power is mildly inconvenient',
    prompt:
      'Create a superhero whose only power is mildly inconvenient, like always knowing when toast is about to burn. Give them a name, an origin story, a nemesis, and a moment where the power unexpectedly saves the day.',
    category: 'fun',
  },
  {
    id: '1c459b83',
    title: 'Design a fantasy world',
    description: 'for a tabletop game night',
    prompt:
      'Design a small fantasy region for a one-evening tabletop adventure: three places worth visiting, two factions that distrust each other, a local legend, and a hook that gets the players involved in the first five minutes.',
    category: 'fun',
  },
  {
    id: 'e49793e3',
    title: 'Roast my houseplant',
    description: "gently, it's doing its best",
    prompt:
      'Write an affectionate roast of my houseplant, a droopy pothos that has survived two moves and my forgetfulness. Keep it kind, and end with three tips to help it thrive.',
    category: 'fun',
  },
  {
    id: '01263305',
    title: 'Make up a holiday',
    description: 'and tell me how to celebrate it',
    prompt:
      'Invent a new holiday that celebrates something small and overlooked. Tell me its name, the date, its origin story, three traditions, and the food people eat on the day.',
    category: 'fun',
  },
];

/** Every shipped prompt (72), grouped by category. */
export const promptLibrary: readonly LibraryPrompt[] = [
  ...ideaPrompts,
  ...codePrompts,
  ...writePrompts,
  ...teachPrompts,
  ...planPrompts,
  ...funPrompts,
];
