"""Tables of the v2 facts, part 2: science, animals, everyday knowledge and language (format: ``v2_world``)."""

from __future__ import annotations

NATURE_TABLES: tuple[tuple[str, str, str], ...] = (
    (
        "element_symbol",
        "The chemical element with the symbol {s} is",
        """
        Fe = iron; Au = gold; Ag = silver; Cu = copper; C = carbon; O = oxygen; H = hydrogen; N = nitrogen
        He = helium; Na = sodium; K = potassium; Ca = calcium; Mg = magnesium; Cl = chlorine; S = sulfur
        P = phosphorus; Pb = lead; Sn = tin; Hg = mercury; Zn = zinc; Ni = nickel; Si = silicon; U = uranium
        Pt = platinum; Ne = neon; Ar = argon; F = fluorine; I = iodine; Li = lithium; Co = cobalt; Cr = chromium
        Ti = titanium; W = tungsten; Ra = radium; Rn = radon; Kr = krypton; Xe = xenon; B = boron; Mn = manganese
        Pu = plutonium; Be = beryllium
        """,
    ),
    (
        "element_atomic_number",
        "The chemical element with atomic number {s} is",
        """
        1 = hydrogen; 2 = helium; 3 = lithium; 6 = carbon; 7 = nitrogen; 8 = oxygen; 9 = fluorine; 10 = neon
        11 = sodium; 12 = magnesium; 14 = silicon; 15 = phosphorus; 16 = sulfur; 17 = chlorine; 18 = argon
        19 = potassium; 20 = calcium; 26 = iron; 28 = nickel; 29 = copper; 30 = zinc; 47 = silver; 50 = tin
        78 = platinum; 79 = gold; 80 = mercury; 82 = lead; 86 = radon; 92 = uranium
        """,
    ),
    (
        "moon_of_planet",
        "{s} is a moon of the planet",
        """
        Titan = Saturn; Europa = Jupiter; Io = Jupiter; Ganymede = Jupiter; Callisto = Jupiter; Phobos = Mars
        Deimos = Mars; Triton = Neptune; Enceladus = Saturn; Mimas = Saturn; Rhea = Saturn; Iapetus = Saturn
        Dione = Saturn; Tethys = Saturn; Oberon = Uranus; Titania = Uranus; Miranda = Uranus; Ariel = Uranus
        Umbriel = Uranus; Nereid = Neptune; Amalthea = Jupiter; Hyperion = Saturn
        """,
    ),
    (
        "solar_system",
        "{s}",
        """
        The planet closest to the Sun is = Mercury; The second planet from the Sun is = Venus
        The third planet from the Sun is = Earth; The fourth planet from the Sun is = Mars
        The fifth planet from the Sun is = Jupiter; The sixth planet from the Sun is = Saturn
        The seventh planet from the Sun is = Uranus; The eighth planet from the Sun is = Neptune
        The largest planet in the solar system is = Jupiter; The planet known as the Red Planet is = Mars
        The planet with the most famous rings is = Saturn; The hottest planet in the solar system is = Venus
        The planet we live on is = Earth; The star at the centre of the solar system is the = Sun | Moon
        The natural satellite of the Earth is the = Moon | Sun
        The dwarf planet that was once called the ninth planet is = Pluto
        """,
    ),
    (
        "animal_class",
        "Biologically, the {s} is a kind of",
        """
        dolphin = mammal; whale = mammal; bat = mammal; elephant = mammal; lion = mammal; tiger = mammal
        horse = mammal; cow = mammal; giraffe = mammal; zebra = mammal; kangaroo = mammal; bear = mammal
        wolf = mammal; fox = mammal; deer = mammal; gorilla = mammal; otter = mammal; camel = mammal
        squirrel = mammal; hedgehog = mammal; beaver = mammal; rabbit = mammal; hippopotamus = mammal
        platypus = mammal
        eagle = bird; penguin = bird; ostrich = bird; owl = bird; parrot = bird; sparrow = bird; crow = bird
        pigeon = bird; flamingo = bird; swan = bird; duck = bird; robin = bird; hawk = bird; falcon = bird
        peacock = bird; chicken = bird; pelican = bird; vulture = bird; woodpecker = bird; hummingbird = bird
        shark = fish; salmon = fish; tuna = fish; trout = fish; cod = fish; goldfish = fish; carp = fish
        herring = fish; sardine = fish; catfish = fish; swordfish = fish; piranha = fish; seahorse = fish
        snake = reptile; crocodile = reptile; alligator = reptile; lizard = reptile; turtle = reptile
        tortoise = reptile; iguana = reptile; gecko = reptile; cobra = reptile; chameleon = reptile
        frog = amphibian; toad = amphibian; salamander = amphibian; newt = amphibian; axolotl = amphibian
        ant = insect; bee = insect; butterfly = insect; beetle = insect; mosquito = insect; grasshopper = insect
        ladybug = insect; wasp = insect; moth = insect; dragonfly = insect; cockroach = insect; termite = insect
        spider = arachnid; scorpion = arachnid
        leopard = mammal; cheetah = mammal; panda = mammal; koala = mammal; walrus = mammal; hyena = mammal
        jaguar = mammal; raccoon = mammal; skunk = mammal; badger = mammal; moose = mammal; bison = mammal
        llama = mammal; donkey = mammal; sloth = mammal; armadillo = mammal; chimpanzee = mammal; porcupine = mammal
        hamster = mammal; seagull = bird; stork = bird; heron = bird; kingfisher = bird; albatross = bird
        toucan = bird; condor = bird; canary = bird; goose = bird; emu = bird; magpie = bird; raven = bird
        finch = bird; mackerel = fish; anchovy = fish; halibut = fish; barracuda = fish; clownfish = fish
        viper = reptile; rattlesnake = reptile; anaconda = reptile; flea = insect; cicada = insect; hornet = insect
        bumblebee = insect; firefly = insect
        """,
    ),
    (
        "animal_young",
        "A baby {s} is called a",
        """
        dog = puppy | calf; cat = kitten; cow = calf; sheep = lamb; bear = cub; lion = cub; tiger = cub; goat = kid
        elephant = calf; whale = calf; seal = pup | kitten; hen = chick; kangaroo = joey; frog = tadpole; horse = foal
        deer = fawn; swan = cygnet; goose = gosling; pig = piglet; duck = duckling; owl = owlet; eagle = eaglet
        """,
    ),
    (
        "human_body",
        "{s}",
        """
        The organ that pumps blood through the body is the = heart | liver
        The organ that we think with is the = brain | heart; The largest organ of the human body is the = skin | liver
        The organ that produces bile is the = liver | heart; We see with our = eyes | ears
        We hear with our = ears | eyes
        We smell with our = nose | ears; We taste food with our = tongue | nose; We chew food with our = teeth | lips
        The bones of the chest that protect the lungs are the = ribs | teeth
        The longest bone in the human body is the = femur | spine
        The red liquid that flows through our veins is = blood | water
        The kneecap protects the joint of the = knee | elbow; The joint in the middle of the arm is the = elbow | knee
        The part of the hand opposite the four fingers is the = thumb | wrist
        """,
    ),
    (
        "colour_of",
        "The usual colour of {s} is",
        """
        a ripe banana = yellow; fresh grass = green; snow = white; coal = black; the clear daytime sky = blue
        blood = red; a ripe tomato = red; a lemon = yellow | blue; milk = white; a lime = green | purple
        a carrot = orange | blue
        a pumpkin = orange | blue; an emerald = green; a ruby = red; a sapphire = blue; a flamingo = pink
        a polar bear's fur = white; a crow = black; a raven = black; an American school bus = yellow
        a strawberry = red; a cherry = red; a swan = white | blue; an eggplant = purple; lavender flowers = purple
        a canary = yellow | blue; a cucumber = green; Kermit the Frog = green; the Pink Panther = pink; a Smurf = blue
        chocolate = brown | green; a grizzly bear = brown | green
        """,
    ),
    (
        "opposite_word",
        "The opposite of {s} is",
        """
        hot = cold; big = small; tall = short; fast = slow; happy = sad; up = down; left = right; good = bad
        rich = poor; young = old; open = closed; wet = dry; early = late; full = empty; thick = thin
        loud = quiet; strong = weak; clean = dirty; day = night; black = white; true = false; win = lose
        love = hate; buy = sell; push = pull; begin = end; inside = outside; north = south; east = west
        top = bottom; front = back; high = low; long = short; alive = dead; awake = asleep; always = never
        everything = nothing; friend = enemy; question = answer; war = peace; summer = winter
        cheap = expensive; safe = dangerous; easy = difficult; heavy = light; increase = decrease
        accept = reject; ancient = modern; visible = invisible; possible = impossible; major = minor
        maximum = minimum; positive = negative; past = future; entrance = exit; victory = defeat
        success = failure; vertical = horizontal; internal = external; import = export; plus = minus; odd = even
        remember = forget; arrive = depart
        above = below; before = after; come = go; give = take; laugh = cry; sit = stand; sharp = blunt
        smooth = rough; wide = narrow; deep = shallow; near = far; huge = tiny; brave = cowardly; kind = cruel
        polite = rude; honest = dishonest; start = finish; float = sink; forward = backward; morning = evening
        sunrise = sunset; include = exclude; more = less; many = few; first = last; best = worst; pass = fail
        appear = disappear; attack = defend; wild = tame; guilty = innocent; natural = artificial; public = private
        permanent = temporary; rural = urban; clever = stupid; beautiful = ugly; dark = light; noisy = quiet
        """,
    ),
    (
        "past_tense",
        "The past tense of the verb {s} is",
        """
        go = went | gone; eat = ate | eaten; see = saw | seen; run = ran; take = took | taken; give = gave | given
        come = came; make = made; know = knew | known; think = thought; bring = brought; buy = bought
        catch = caught; teach = taught; fight = fought; sell = sold; tell = told; find = found; sit = sat
        stand = stood; understand = understood; write = wrote | written; drive = drove | driven; ride = rode | ridden
        rise = rose | risen; speak = spoke | spoken; break = broke | broken; choose = chose | chosen
        freeze = froze | frozen; steal = stole | stolen; wake = woke | woken; begin = began | begun
        drink = drank | drunk; sing = sang | sung; swim = swam | swum; ring = rang | rung; sink = sank | sunk
        fly = flew | flown; grow = grew | grown; throw = threw | thrown; draw = drew | drawn; blow = blew | blown
        fall = fell | fallen; feel = felt; keep = kept; sleep = slept; leave = left; meet = met; lose = lost
        send = sent; spend = spent; build = built; lend = lent; win = won; hold = held; hear = heard; say = said
        pay = paid; have = had; do = did | done; get = got; forget = forgot | forgotten; shake = shook | shaken
        bite = bit | bitten; hide = hid | hidden; lead = led; feed = fed; dig = dug; strike = struck
        swing = swung; stick = stuck; tear = tore | torn; wear = wore | worn; swear = swore | sworn
        weep = wept; sweep = swept; creep = crept; kneel = knelt; slide = slid; shoot = shot; spin = spun
        forgive = forgave | forgiven; become = became; seek = sought; mistake = mistook | mistaken
        bend = bent; bleed = bled; breed = bred; deal = dealt; flee = fled; grind = ground; lay = laid
        mean = meant; shine = shone; shrink = shrank | shrunk; speed = sped; spit = spat; spring = sprang | sprung
        sting = stung; stink = stank | stunk; weave = wove | woven; wind = wound; bind = bound; arise = arose | arisen
        awake = awoke | awoken; forbid = forbade | forbidden; slay = slew | slain; tread = trod | trodden
        undo = undid | undone; withdraw = withdrew | withdrawn; foresee = foresaw | foreseen
        overtake = overtook | overtaken; mislead = misled; uphold = upheld; rewrite = rewrote | rewritten
        retell = retold; oversleep = overslept
        """,
    ),
    (
        "plural_noun",
        "The plural of the word {s} is",
        """
        mouse = mice; goose = geese; tooth = teeth; foot = feet; child = children; man = men; woman = women
        person = people; ox = oxen; louse = lice; cactus = cacti; fungus = fungi; nucleus = nuclei; radius = radii
        crisis = crises; thesis = theses; phenomenon = phenomena; criterion = criteria; leaf = leaves
        knife = knives; wife = wives; life = lives; wolf = wolves; half = halves; loaf = loaves; shelf = shelves
        thief = thieves; calf = calves; elf = elves; potato = potatoes; tomato = tomatoes; hero = heroes
        echo = echoes; box = boxes; fox = foxes; bus = buses; city = cities; baby = babies; party = parties
        story = stories; country = countries; church = churches; dish = dishes; watch = watches; glass = glasses
        class = classes
        die = dice; penny = pence; index = indices; alumnus = alumni; bacterium = bacteria; curriculum = curricula
        stimulus = stimuli; medium = media; matrix = matrices; vertex = vertices; axis = axes; hypothesis = hypotheses
        oasis = oases; basis = bases; millennium = millennia; scarf = scarves; hoof = hooves; lady = ladies
        family = families; company = companies; body = bodies; army = armies; puppy = puppies; enemy = enemies
        university = universities; kiss = kisses; wish = wishes; match = matches; bush = bushes; tax = taxes
        beach = beaches; address = addresses; boss = bosses
        """,
    ),
    (
        "calendar_sequence",
        "The {s} is",
        """
        day after Monday = Tuesday | Sunday; day after Tuesday = Wednesday | Monday
        day after Wednesday = Thursday | Tuesday
        day after Thursday = Friday | Wednesday; day after Friday = Saturday | Thursday
        day after Saturday = Sunday | Friday
        day after Sunday = Monday | Saturday; day before Monday = Sunday | Tuesday
        day before Tuesday = Monday | Wednesday
        day before Wednesday = Tuesday | Thursday; day before Thursday = Wednesday | Friday
        day before Friday = Thursday | Saturday; day before Saturday = Friday | Sunday
        day before Sunday = Saturday | Monday
        month after January = February | December; month after February = March | January
        month after March = April | February; month after April = May | March; month after May = June | April
        month after June = July | May; month after July = August | June; month after August = September | July
        month after September = October | August; month after October = November | September
        month after November = December | October; month after December = January | November
        month before February = January | March; month before March = February | April
        month before April = March | May; month before May = April | June; month before June = May | July
        month before July = June | August; month before August = July | September
        month before September = August | October; month before October = September | November
        month before November = October | December; month before December = November | January
        first month of the year = January | December; last month of the year = December | January
        """,
    ),
    (
        "number_sequence",
        "The number that comes after {s} is",
        """
        one = two | three; two = three | one; three = four | two; four = five | three; five = six | four
        six = seven | five; seven = eight | six; eight = nine | seven; nine = ten | eight; ten = eleven | nine
        eleven = twelve | ten; twelve = thirteen | eleven; thirteen = fourteen | twelve; fourteen = fifteen | thirteen
        fifteen = sixteen | fourteen; sixteen = seventeen | fifteen; seventeen = eighteen | sixteen
        eighteen = nineteen | seventeen; nineteen = twenty | eighteen
        """,
    ),
    (
        "counting_fact",
        "The number of {s} is",
        """
        legs a spider has = eight | six; legs an insect has = six | eight; legs a dog has = four | six
        legs a bird has = two | four; arms an octopus has = eight | ten; days in a week = seven | six
        months in a year = twelve | ten; minutes in an hour = sixty | hundred; seconds in a minute = sixty | hundred
        continents on Earth = seven | six; planets in the solar system = eight | nine
        sides of a triangle = three | four
        sides of a square = four | five; sides of a pentagon = five | six; sides of a hexagon = six | eight
        sides of an octagon = eight | six; strings on a standard guitar = six | five
        players on a soccer team on the field = eleven | ten
        wheels on a bicycle = two | three; wheels on a tricycle = three | two; faces of a cube = six | eight
        years in a decade = ten | twelve; days in a fortnight = fourteen | seven; legs of a tripod = three | four
        colours in a rainbow = seven | six; rings on the Olympic flag = five | six
        musicians in a quartet = four | three
        musicians in a trio = three | four; fingers on one human hand = five | four; lungs a human has = two | three
        hearts an octopus has = three | two; players on a basketball team on the court = five | six
        """,
    ),
    (
        "female_counterpart",
        "The female counterpart of a {s} is a",
        """
        king = queen; prince = princess; actor = actress; waiter = waitress; emperor = empress; duke = duchess
        god = goddess; host = hostess; lion = lioness; tiger = tigress; bull = cow; stallion = mare; rooster = hen
        ram = ewe; boar = sow; gander = goose; man = woman; boy = girl; father = mother; son = daughter
        brother = sister; uncle = aunt; nephew = niece; husband = wife; grandfather = grandmother; monk = nun
        wizard = witch; groom = bride; steward = stewardess; gentleman = lady
        """,
    ),
    (
        "workplace",
        "A {s} usually works in a",
        """
        teacher = school | hospital; nurse = hospital | bakery; surgeon = hospital | library
        librarian = library | farm; baker = bakery | bank; banker = bank | farm
        farmer = farm | bank; miner = mine | bank; sailor = ship | bakery; priest = church | bank
        monk = monastery | bank; pharmacist = pharmacy | ship
        mechanic = garage | church; professor = university | farm; zookeeper = zoo | bank; curator = museum | farm
        barista = cafe | mine
        bartender = bar | farm; astronomer = observatory | bakery; judge = courtroom | bakery
        chef = kitchen | library; waiter = restaurant | mine
        """,
    ),
    (
        "tool_use",
        "{s}",
        """
        You cut paper with a pair of = scissors | pliers; You sweep the floor with a = broom | spoon
        You drive a nail into wood with a = hammer | saw; You unlock a door with a = key | knife
        You eat soup with a = spoon | fork; You measure a short length with a = ruler | clock
        You tighten a screw with a = screwdriver | hammer; You keep the rain off with an = umbrella | oven
        You take photographs with a = camera | microphone; You boil water for tea in a = kettle | fridge
        You sew a button on with a needle and = thread | glue; You row a boat with = oars | sails
        You comb your hair with a = comb | fork; You write on a blackboard with = chalk | ink
        You cut down a tree with an = axe | spoon; You keep food cold in a = fridge | oven
        You bake a cake in an = oven | fridge; You see tiny microbes with a = microscope | telescope
        You look at distant stars with a = telescope | microscope; You find north with a = compass | ruler
        """,
    ),
    (
        "made_from",
        "{s}",
        """
        Glass is made mainly from = sand | clay; Cheese is made from = milk | flour; Bread is made from = flour | milk
        Wine is made from = grapes | apples; Paper is made from = wood | sand; Chocolate is made from = cocoa | coffee
        Popcorn is made from = corn | rice; Ketchup is made from = tomatoes | carrots
        Guacamole is made from = avocado | tomatoes
        Wool comes from = sheep | cows; Honey is made by = bees | ants; Cider is made from = apples | grapes
        Raisins are dried = grapes | plums; Prunes are dried = plums | grapes
        Pickles are made from = cucumbers | tomatoes
        Tequila is made from = agave | grapes; French fries are made from = potatoes | carrots
        Steel is made mainly from = iron | copper; Bronze is made of copper and = tin | iron
        Brass is made of copper and = zinc | tin; Marmalade is made from = oranges | apples
        Hummus is made from = chickpeas | lentils; Tofu is made from = soybeans | rice
        Sake is made from = rice | grapes
        Silk is made by = silkworms | spiders; An omelette is made from = eggs | flour
        Pesto is made from = basil | mint
        """,
    ),
    (
        "translation_word",
        "In {x}, the word for {s} is",
        """
        cat ; French = chat; water ; French = eau; house ; French = maison; bread ; French = pain
        book ; French = livre
        sun ; French = soleil; moon ; French = lune; day ; French = jour; night ; French = nuit; red ; French = rouge
        white ; French = blanc; black ; French = noir; good ; French = bon; yes ; French = oui; no ; French = non
        thanks ; French = merci; hello ; French = bonjour; love ; French = amour; friend ; French = ami
        sea ; French = mer
        wine ; French = vin; cheese ; French = fromage; dog ; French = chien; man ; French = homme
        woman ; French = femme
        king ; French = roi; apple ; French = pomme; tree ; French = arbre; car ; French = voiture
        world ; French = monde
        life ; French = vie; sky ; French = ciel; fire ; French = feu; heart ; French = coeur; city ; French = ville
        street ; French = rue; water ; Spanish = agua; house ; Spanish = casa; dog ; Spanish = perro
        cat ; Spanish = gato
        friend ; Spanish = amigo; thanks ; Spanish = gracias; hello ; Spanish = hola; beach ; Spanish = playa
        love ; Spanish = amor
        sun ; Spanish = sol; moon ; Spanish = luna; red ; Spanish = rojo; white ; Spanish = blanco
        black ; Spanish = negro
        good ; Spanish = bueno; big ; Spanish = grande; bread ; Spanish = pan; milk ; Spanish = leche
        man ; Spanish = hombre
        woman ; Spanish = mujer; book ; Spanish = libro; city ; Spanish = ciudad; world ; Spanish = mundo
        life ; Spanish = vida
        king ; Spanish = rey; war ; Spanish = guerra; night ; Spanish = noche; fire ; Spanish = fuego
        sea ; Spanish = mar
        time ; Spanish = tiempo; family ; Spanish = familia; school ; Spanish = escuela; water ; German = Wasser
        house ; German = Haus
        dog ; German = Hund; cat ; German = Katze; thanks ; German = danke; yes ; German = ja; no ; German = nein
        good ; German = gut; man ; German = Mann; woman ; German = Frau; child ; German = Kind; bread ; German = Brot
        beer ; German = Bier; book ; German = Buch; friend ; German = Freund; world ; German = Welt
        love ; German = Liebe
        night ; German = Nacht; day ; German = Tag; car ; German = Auto; red ; German = rot; black ; German = schwarz
        city ; German = Stadt; time ; German = Zeit; small ; German = klein; big ; German = gross
        school ; German = Schule
        street ; German = Strasse; sun ; German = Sonne
        """,
    ),
)
