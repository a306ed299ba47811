"""Tables of the v2 facts, part 3: word forms, the alphabet and arithmetic in words (format: ``v2_world``)."""

from __future__ import annotations

LANGUAGE_TABLES: tuple[tuple[str, str, str], ...] = (
    (
        "comparative_adjective",
        "The comparative form of the adjective {s} is",
        """
        good = better | best; bad = worse | worst; big = bigger | biggest; small = smaller | smallest
        tall = taller | tallest; fast = faster | fastest; strong = stronger | strongest; young = younger | youngest
        happy = happier | happiest; easy = easier | easiest; hot = hotter | hottest; cold = colder | coldest
        long = longer | longest; short = shorter | shortest; high = higher | highest; low = lower | lowest
        large = larger | largest; rich = richer | richest; poor = poorer | poorest; warm = warmer | warmest
        cheap = cheaper | cheapest; great = greater | greatest; hard = harder | hardest; soft = softer | softest
        dark = darker | darkest; bright = brighter | brightest; quick = quicker | quickest; slow = slower | slowest
        wide = wider | widest; deep = deeper | deepest; heavy = heavier | heaviest; early = earlier | earliest
        busy = busier | busiest; close = closer | closest; new = newer | newest; nice = nicer | nicest
        safe = safer | safest; wise = wiser | wisest; weak = weaker | weakest; thin = thinner | thinnest
        fat = fatter | fattest; sad = sadder | saddest; old = older | oldest; clean = cleaner | cleanest
        """,
    ),
    (
        "superlative_adjective",
        "The superlative form of the adjective {s} is",
        """
        good = best | better; bad = worst | worse; big = biggest | bigger; small = smallest | smaller
        tall = tallest | taller; fast = fastest | faster; strong = strongest | stronger; young = youngest | younger
        happy = happiest | happier; easy = easiest | easier; hot = hottest | hotter; cold = coldest | colder
        long = longest | longer; short = shortest | shorter; high = highest | higher; low = lowest | lower
        large = largest | larger; rich = richest | richer; poor = poorest | poorer; warm = warmest | warmer
        cheap = cheapest | cheaper; great = greatest | greater; hard = hardest | harder; soft = softest | softer
        dark = darkest | darker; bright = brightest | brighter; quick = quickest | quicker; slow = slowest | slower
        wide = widest | wider; deep = deepest | deeper; heavy = heaviest | heavier; early = earliest | earlier
        busy = busiest | busier; close = closest | closer; new = newest | newer; nice = nicest | nicer
        safe = safest | safer; wise = wisest | wiser; weak = weakest | weaker; thin = thinnest | thinner
        fat = fattest | fatter; sad = saddest | sadder; old = oldest | older; clean = cleanest | cleaner
        """,
    ),
    (
        "alphabet_sequence",
        "In the English alphabet, the letter that comes after {s} is",
        """
        A = B | C; B = C | A; C = D | B; D = E | C; E = F | D; F = G | E; G = H | F; H = I | G; I = J | H
        J = K | I; K = L | J; L = M | K; M = N | L; N = O | M; O = P | N; P = Q | O; Q = R | P; R = S | Q
        S = T | R; T = U | S; U = V | T; V = W | U; W = X | V; X = Y | W; Y = Z | X
        """,
    ),
    (
        "arithmetic_sum",
        "{s} plus {x} equals",
        """
        One ; one = two | three; One ; two = three | four; Two ; two = four | five; Two ; three = five | six
        Three ; three = six | seven; Three ; four = seven | eight; Four ; four = eight | nine
        Four ; five = nine | ten
        Five ; five = ten | eleven; Five ; six = eleven | twelve; Six ; six = twelve | eleven
        Six ; seven = thirteen | fourteen
        Seven ; seven = fourteen | fifteen; Seven ; eight = fifteen | sixteen; Eight ; eight = sixteen | fifteen
        Eight ; nine = seventeen | eighteen; Nine ; nine = eighteen | seventeen; Nine ; ten = nineteen | twenty
        Ten ; ten = twenty | nineteen; One ; five = six | seven; Two ; seven = nine | eight; Three ; six = nine | ten
        Four ; seven = eleven | ten; Five ; eight = thirteen | twelve; Six ; nine = fifteen | fourteen
        Ten ; five = fifteen | sixteen; Twelve ; three = fifteen | fourteen; Eleven ; four = fifteen | sixteen
        Thirty ; ten = forty | fifty; Twenty ; thirty = fifty | sixty; Forty ; forty = eighty | ninety
        Fifty ; ten = sixty | seventy; Sixty ; thirty = ninety | eighty; Seventy ; ten = eighty | ninety
        """,
    ),
    (
        "arithmetic_product",
        "{s} times {x} equals",
        """
        Two ; two = four | six; Two ; three = six | five; Two ; four = eight | six; Two ; five = ten | twelve
        Three ; three = nine | six; Three ; four = twelve | seven; Three ; five = fifteen | eight
        Four ; four = sixteen | eight; Four ; five = twenty | nine; Five ; five = twenty | ten
        Two ; six = twelve | eight; Two ; seven = fourteen | nine; Two ; eight = sixteen | ten
        Two ; nine = eighteen | eleven
        Ten ; ten = hundred | twenty; Three ; six = eighteen | nine; Two ; ten = twenty | twelve
        Five ; four = twenty | nine; Six ; three = eighteen | nine; Seven ; two = fourteen | nine
        Nine ; two = eighteen | eleven; Ten ; five = fifty | fifteen; Ten ; three = thirty | thirteen
        Ten ; four = forty | fourteen; Ten ; six = sixty | sixteen; Ten ; seven = seventy | seventeen
        Ten ; eight = eighty | eighteen; Ten ; nine = ninety | nineteen
        """,
    ),
)
