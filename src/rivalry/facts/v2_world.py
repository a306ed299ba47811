"""Tables of the v2 facts, part 1: geography, people and their works (built into ``facts_v2.jsonl``).

Each table is ``(relation, template, rows)``; a row is ``subject = answer`` or ``subject = answer | wrong``
(an explicit wrong answer; otherwise one is drawn from the relation's other answers), and a subject may carry a
second slot, ``subject ; extra``, for templates with ``{x}`` (a first name before the surname answer).
Only well-known, undisputed facts; places that share a name with another place of the same kind are left out.
"""

from __future__ import annotations

WORLD_TABLES: tuple[tuple[str, str, str], ...] = (
    (
        "city_country",
        "The city of {s} is located in the country of",
        """
        Nice = France; Strasbourg = France; Lille = France; Nantes = France; Grenoble = France; Cannes = France
        Leipzig = Germany; Nuremberg = Germany; Bremen = Germany; Hanover = Germany; Bonn = Germany
        Heidelberg = Germany
        Bologna = Italy; Genoa = Italy; Palermo = Italy; Pisa = Italy; Verona = Italy; Bari = Italy
        Malaga = Spain; Zaragoza = Spain; Granada = Spain; Pamplona = Spain
        Rotterdam = Netherlands; Utrecht = Netherlands; Eindhoven = Netherlands
        Ghent = Belgium; Bruges = Belgium; Basel = Switzerland; Lausanne = Switzerland; Lucerne = Switzerland
        Innsbruck = Austria; Graz = Austria; Gdansk = Poland; Wroclaw = Poland
        Malmo = Sweden; Uppsala = Sweden; Bergen = Norway; Aarhus = Denmark
        Thessaloniki = Greece; Izmir = Turkey; Antalya = Turkey
        Kobe = Japan; Fukuoka = Japan; Nagasaki = Japan
        Busan = Korea; Incheon = Korea
        Tianjin = China; Nanjing = China; Hangzhou = China; Xian = China
        Delhi = India; Jaipur = India; Pune = India; Varanasi = India
        Darwin = Australia; Canberra = Australia
                Quebec = Canada; Winnipeg = Canada; Edmonton = Canada
        Cancun = Mexico; Tijuana = Mexico; Acapulco = Mexico
        Rosario = Argentina; Mendoza = Argentina; Valparaiso = Chile; Cusco = Peru
                Lagos = Nigeria; Kano = Nigeria; Mombasa = Kenya; Fez = Morocco; Tangier = Morocco
                Isfahan = Iran; Basra = Iraq; Mosul = Iraq; Aleppo = Syria
        Mandalay = Myanmar; Phuket = Thailand; Surabaya = Indonesia; Cebu = Philippines
        Kazan = Russia; Sochi = Russia; Omsk = Russia; Vladivostok = Russia; Yekaterinburg = Russia
        Harbin = China; Qingdao = China; Chongqing = China; Suzhou = China; Xiamen = China
        Ahmedabad = India; Lucknow = India; Kanpur = India; Nagpur = India; Bhopal = India; Patna = India
        Mysore = India
        Recife = Brazil; Fortaleza = Brazil; Manaus = Brazil; Curitiba = Brazil; Porto Alegre = Brazil
        Puebla = Mexico; Oaxaca = Mexico; Veracruz = Mexico; Saskatoon = Canada; Hobart = Australia
        Cairns = Australia
        Dusseldorf = Germany; Dortmund = Germany; Essen = Germany; Mainz = Germany; Freiburg = Germany
        Aachen = Germany
        Potsdam = Germany; Rostock = Germany; Kiel = Germany; Rennes = France; Montpellier = France; Reims = France
        Dijon = France; Avignon = France; Calais = France; Trieste = Italy; Parma = Italy; Modena = Italy
        Siena = Italy
        Padua = Italy; Catania = Italy; Rimini = Italy; Alicante = Spain; Cadiz = Spain; Oviedo = Spain
        Aswan = Egypt; Bursa = Turkey; Konya = Turkey; Trabzon = Turkey; Shiraz = Iran; Tabriz = Iran; Mashhad = Iran
        Peshawar = Pakistan; Quetta = Pakistan; Faisalabad = Pakistan; Sendai = Japan; Kanazawa = Japan; Nara = Japan
        Daegu = Korea; Bandung = Indonesia; Medan = Indonesia; Yogyakarta = Indonesia; Davao = Philippines
        Pattaya = Thailand; Ibadan = Nigeria; Kisumu = Kenya; Agadir = Morocco; Patras = Greece; Heraklion = Greece
        Poznan = Poland; Lodz = Poland; Lublin = Poland; Trondheim = Norway; Stavanger = Norway; Tampere = Finland
        Turku = Finland; Odense = Denmark; Galway = Ireland; Limerick = Ireland; Braga = Portugal; Coimbra = Portugal
        Faro = Portugal; Haarlem = Netherlands; Groningen = Netherlands; Maastricht = Netherlands
        Leiden = Netherlands
        Delft = Netherlands; Liege = Belgium; Leuven = Belgium; Lugano = Switzerland; Linz = Austria
        Arequipa = Peru; Cali = Colombia; Barranquilla = Colombia; Maracaibo = Venezuela; Haifa = Israel
        Eilat = Israel
        """,
    ),
    (
        "landmark_city",
        "The {s} is located in the city of",
        """
        !Musee d'Orsay = Paris; !Notre-Dame Cathedral = Paris; Moulin Rouge = Paris; Champs-Elysees = Paris
        !Sacre-Coeur Basilica = Paris; Spanish Steps = Rome; Roman Forum = Rome
        !Trafalgar Square = London; !Tate Modern = London; !Hyde Park = London
        !Piccadilly Circus = London; Shard skyscraper = London; !Old Trafford stadium = Manchester
        !Ponte Vecchio = Florence; Doge's Palace = Venice; !La Scala opera house = Milan; Grand Canal = Venice
        !Museum Island = Berlin; !Marienplatz = Munich; !Oktoberfest = Munich
        !Casa Batllo = Barcelona; !Las Ramblas = Barcelona
        !Belem Tower = Lisbon; !Hofburg Palace = Vienna; !Belvedere Palace = Vienna
        !Fisherman's Bastion = Budapest; Hungarian Parliament Building = Budapest
        !Wawel Castle = Krakow; Vasa Museum = Stockholm; !Nyhavn harbour = Copenhagen; !Dam Square = Amsterdam
        Grand Place = Brussels; Jet d'Eau fountain = Geneva; Chapel Bridge = Lucerne
        !Galata Tower = Istanbul; Grand Bazaar = Istanbul; Blue Mosque = Istanbul
        Bolshoi Theatre = Moscow
        Summer Palace = Beijing; Great Hall of the People = Beijing; Yu Garden = Shanghai
        !Senso-ji temple = Tokyo; !Meiji Shrine = Tokyo; !Kinkaku-ji temple = Kyoto
        !Peace Memorial Park = Hiroshima; Golden Temple = Amritsar; !Hawa Mahal palace = Jaipur
        !Charminar = Hyderabad
        Grand Palace = Bangkok; !Wat Arun temple = Bangkok; !Shwedagon Pagoda = Yangon
        Western Wall = Jerusalem; Dome of the Rock = Jerusalem; Kaaba = Mecca
        !Hassan II Mosque = Casablanca; !Jemaa el-Fnaa square = Marrakesh; !Khan el-Khalili bazaar = Cairo
        !Bondi Beach = Sydney; !Federation Square = Melbourne; Sky Tower = Auckland
        !Stanley Park = Vancouver; !Copacabana beach = Rio | Lima
        Smithsonian Institution = Washington; United States Capitol = Washington; Washington Monument = Washington
        !Beale Street = Memphis; !Millennium Park = Chicago
                !Independence Hall = Philadelphia; Rocky Steps = Philadelphia
        """,
    ),
    (
        "natural_feature_continent",
        "The {s} is located on the continent of",
        """
        Sahara Desert = Africa; Kalahari Desert = Africa; Namib Desert = Africa; Gobi Desert = Asia
        Nile River = Africa; Congo River = Africa; Zambezi River = Africa; Niger River = Africa
        Danube River = Europe; Rhine River = Europe; Volga River = Europe; Seine River = Europe
        Thames River = Europe; Loire River = Europe; Elbe River = Europe
        Yangtze River = Asia; Ganges River = Asia; Mekong River = Asia; Indus River = Asia; Yellow River = Asia
        Euphrates River = Asia; Tigris River = Asia
        !Mount Everest = Asia; !Mount Kilimanjaro = Africa; !Mont Blanc = Europe; Matterhorn = Europe
        !Mount Fuji = Asia; Himalayas mountain range = Asia; Alps mountain range = Europe
        Pyrenees mountain range = Europe; Carpathian Mountains = Europe; Atlas Mountains = Africa
        !Lake Baikal = Asia; !Lake Victoria = Africa; !Lake Tanganyika = Africa; !Lake Geneva = Europe
        Serengeti plain = Africa; !Victoria Falls = Africa; !Okavango Delta = Africa; Siberian plain = Asia
        Balkan Peninsula = Europe; Iberian Peninsula = Europe; Scandinavian Peninsula = Europe
        Korean Peninsula = Asia; Arabian Peninsula = Asia; !Mount Etna volcano = Europe; Dead Sea = Asia
        """,
    ),
    (
        "river_of_city",
        "The river that flows through the city of {s} is the",
        """
        Paris = Seine; London = Thames; Rome = Tiber; Vienna = Danube; Budapest = Danube; Bratislava = Danube
        Cologne = Rhine; Basel = Rhine; Dresden = Elbe; Hamburg = Elbe; Warsaw = Vistula
        Krakow = Vistula; Lisbon = Tagus; Florence = Arno; Pisa = Arno; Turin = Po; Berlin = Spree
        Dublin = Liffey; Glasgow = Clyde; Cairo = Nile; Khartoum = Nile
        Luxor = Nile; Baghdad = Tigris; Varanasi = Ganges; Phnom Penh = Mekong; Vientiane = Mekong
        Memphis = Mississippi; Minneapolis = Mississippi; Seoul = Han; Bordeaux = Garonne; Toulouse = Garonne
        Nantes = Loire; Seville = Guadalquivir; Munich = Isar; Geneva = Rhone; Prague = Vltava
        """,
    ),
    (
        "food_country",
        "{s} is a traditional dish from the country of",
        """
        Sushi = Japan; Ramen = Japan; Tempura = Japan; Sashimi = Japan; Miso soup = Japan; Teriyaki = Japan
        Pizza = Italy; Lasagna = Italy; Risotto = Italy; Tiramisu = Italy; Gelato = Italy; Spaghetti carbonara = Italy
        Ravioli = Italy; Paella = Spain; Gazpacho = Spain; Churros = Spain
        Ratatouille = France; Crepes = France; Bouillabaisse = France; Coq au vin = France; Quiche = France
        Bratwurst = Germany; Sauerbraten = Germany; Goulash = Hungary; Pierogi = Poland
        Tacos = Mexico; Burritos = Mexico; Enchiladas = Mexico; Guacamole = Mexico; Quesadillas = Mexico
        Tamales = Mexico
        Kimchi = Korea; Bibimbap = Korea; Bulgogi = Korea; Pho = Vietnam; Tom yum soup = Thailand
        Masala dosa = India; Dim sum = China; Peking duck = China
        Kung pao chicken = China; Moussaka = Greece; Souvlaki = Greece
        Fondue = Switzerland; Rosti = Switzerland; Wiener schnitzel = Austria
        Poutine = Canada; Haggis = Scotland
        Pelmeni = Russia; Smorrebrod = Denmark
        """,
    ),
    (
        "us_state_capital",
        "The capital of the US state of {s} is",
        """
        California = Sacramento; Texas = Austin; Florida = Tallahassee; Georgia = Atlanta; Massachusetts = Boston
        Colorado = Denver; Arizona = Phoenix; Tennessee = Nashville; Ohio = Columbus; Hawaii = Honolulu
        Alaska = Juneau; Oregon = Salem; Washington = Olympia; Idaho = Boise; Montana = Helena; Wyoming = Cheyenne
        Nebraska = Lincoln; Kansas = Topeka; Wisconsin = Madison; Illinois = Springfield; Michigan = Lansing
        Indiana = Indianapolis; Kentucky = Frankfort; Virginia = Richmond; Maryland = Annapolis; Delaware = Dover
        Pennsylvania = Harrisburg; Connecticut = Hartford; Vermont = Montpelier; Maine = Augusta
        Mississippi = Jackson; Alabama = Montgomery; New York = Albany; New Jersey = Trenton
        North Carolina = Raleigh; South Carolina = Columbia; North Dakota = Bismarck; South Dakota = Pierre
        West Virginia = Charleston; Rhode Island = Providence; New Hampshire = Concord
        """,
    ),
    (
        "country_continent",
        "{s} is a country on the continent of",
        """
        Bulgaria = Europe; Serbia = Europe; Croatia = Europe; Slovakia = Europe; Slovenia = Europe
        Belarus = Europe; Lithuania = Europe; Latvia = Europe; Estonia = Europe; Iceland = Europe; Albania = Europe
        Luxembourg = Europe; Malta = Europe; Moldova = Europe; Montenegro = Europe; Bosnia = Europe
        Korea = Asia; Indonesia = Asia; Philippines = Asia; Myanmar = Asia; Bhutan = Asia; Syria = Asia
        Jordan = Asia; Lebanon = Asia; Israel = Asia; Yemen = Asia; Oman = Asia; Qatar = Asia; Kuwait = Asia
        Bahrain = Asia; Singapore = Asia; Uzbekistan = Asia; Tajikistan = Asia; Kyrgyzstan = Asia
        Turkmenistan = Asia; Brunei = Asia
        Sudan = Africa; Libya = Africa; Tunisia = Africa; Niger = Africa; Chad = Africa; Rwanda = Africa
        Botswana = Africa; Namibia = Africa; Mozambique = Africa; Malawi = Africa; Gabon = Africa; Togo = Africa
        Benin = Africa; Liberia = Africa; Eritrea = Africa; Burundi = Africa; Lesotho = Africa; Gambia = Africa
        """,
    ),
    (
        "person_birth_country",
        "{s} was born in the country of",
        """
        Albert Einstein = Germany; Marie Curie = Poland; Nicolaus Copernicus = Poland; Johannes Kepler = Germany
        Werner Heisenberg = Germany; Niels Bohr = Denmark; Alfred Nobel = Sweden
        Carl Linnaeus = Sweden; Louis Pasteur = France; Rene Descartes = France; Voltaire = France
        Napoleon Bonaparte = France; Joan of Arc = France; Rembrandt = Netherlands; Vincent van Gogh = Netherlands
        Johannes Vermeer = Netherlands; Gustav Klimt = Austria; Franz Schubert = Austria; Johann Strauss = Austria
        Sergei Rachmaninoff = Russia; Igor Stravinsky = Russia; Alexander Pushkin = Russia; Anton Chekhov = Russia
        Yuri Gagarin = Russia; Mikhail Gorbachev = Russia; Luciano Pavarotti = Italy; Enzo Ferrari = Italy
        Giacomo Puccini = Italy; Sophia Loren = Italy; Ferdinand Magellan = Portugal; Vasco da Gama = Portugal
        Simon Bolivar = Venezuela; Fidel Castro = Cuba; Che Guevara = Argentina
        Pope Francis = Argentina; Ronaldinho = Brazil; Paulo Coelho = Brazil
        Orhan Pamuk = Turkey; Naguib Mahfouz = Egypt; Cleopatra = Egypt; Chinua Achebe = Nigeria
        Wole Soyinka = Nigeria; Kofi Annan = Ghana; Ai Weiwei = China; Jack Ma = China; Lang Lang = China
        Yukio Mishima = Japan; Hokusai = Japan; Shohei Ohtani = Japan; Ichiro Suzuki = Japan
        Virat Kohli = India; Indira Gandhi = India; Greta Thunberg = Sweden; Ingmar Bergman = Sweden
        Roald Amundsen = Norway; Lars von Trier = Denmark; Soren Kierkegaard = Denmark; Alvar Aalto = Finland
        Pythagoras = Greece
        Ryan Gosling = Canada; Wayne Rooney = England; David Beckham = England
        Agatha Christie = England; Winston Churchill = England
        """,
    ),
    (
        "person_profession",
        "{s} was a famous",
        """
        Pablo Picasso = painter; Claude Monet = painter; Rembrandt = painter; Vincent van Gogh = painter
        Salvador Dali = painter; Frida Kahlo = painter; Gustav Klimt = painter; Edvard Munch = painter
        Johannes Vermeer = painter; Auguste Rodin = sculptor; Donatello = sculptor
        Wolfgang Amadeus Mozart = composer; Ludwig van Beethoven = composer; Johann Sebastian Bach = composer
        Frederic Chopin = composer; Pyotr Ilyich Tchaikovsky = composer; Antonio Vivaldi = composer
        Giuseppe Verdi = composer; Richard Wagner = composer; Johannes Brahms = composer; Joseph Haydn = composer
        Franz Schubert = composer; Claude Debussy = composer; George Frideric Handel = composer
        Albert Einstein = physicist; Niels Bohr = physicist; Max Planck = physicist; Werner Heisenberg = physicist
        Richard Feynman = physicist; Enrico Fermi = physicist; Erwin Schrodinger = physicist
        Nicolaus Copernicus = astronomer; Johannes Kepler = astronomer; Edwin Hubble = astronomer
        Plato = philosopher; Aristotle = philosopher; Socrates = philosopher; Immanuel Kant = philosopher
        Friedrich Nietzsche = philosopher; Confucius = philosopher; Georg Hegel = philosopher
        John Locke = philosopher
        Euclid = mathematician; Carl Friedrich Gauss = mathematician; Leonhard Euler = mathematician
        Fibonacci = mathematician; John Keats = poet; Lord Byron = poet; William Wordsworth = poet
        Emily Dickinson = poet; Walt Whitman = poet; Robert Frost = poet; Pablo Neruda = poet; Rumi = poet
        Antoni Gaudi = architect; Frank Lloyd Wright = architect; Le Corbusier = architect | composer
        Zaha Hadid = architect
        Ferdinand Magellan = explorer; Vasco da Gama = explorer; Roald Amundsen = explorer
        Ernest Shackleton = explorer
        Elvis Presley = singer; Freddie Mercury = singer; Frank Sinatra = singer | painter; Edith Piaf = singer
        Whitney Houston = singer; Charlie Chaplin = actor | painter; Marlon Brando = actor; Humphrey Bogart = actor
        Antoine Lavoisier = chemist; Dmitri Mendeleev = chemist; Muhammad Ali = boxer; Mike Tyson = boxer
        """,
    ),
    (
        "author_of_book",
        "{s} was written by {x}",
        """
        Pride and Prejudice ; Jane = Austen; Emma ; Jane = Austen; Sense and Sensibility ; Jane = Austen
        Oliver Twist ; Charles = Dickens; Great Expectations ; Charles = Dickens
        A Christmas Carol ; Charles = Dickens
        The Hobbit ; J. R. R. = Tolkien; The Lord of the Rings ; J. R. R. = Tolkien
        Nineteen Eighty-Four ; George = Orwell; Animal Farm ; George = Orwell
        Hamlet ; William = Shakespeare; Macbeth ; William = Shakespeare; Othello ; William = Shakespeare
        Romeo and Juliet ; William = Shakespeare; King Lear ; William = Shakespeare
        Crime and Punishment ; Fyodor = Dostoevsky; The Divine Comedy ; Dante = Alighieri
        Don Quixote ; Miguel de = Cervantes; Faust ; Johann Wolfgang von = Goethe; Les Miserables ; Victor = Hugo
        The Old Man and the Sea ; Ernest = Hemingway; A Farewell to Arms ; Ernest = Hemingway
        The Great Gatsby ; F. Scott = Fitzgerald; Moby-Dick ; Herman = Melville; Frankenstein ; Mary = Shelley
        Dracula ; Bram = Stoker; The Adventures of Tom Sawyer ; Mark = Twain
        Adventures of Huckleberry Finn ; Mark = Twain
        Harry Potter and the Philosopher's Stone ; J. K. = Rowling; The Metamorphosis ; Franz = Kafka
        The Trial ; Franz = Kafka; Ulysses ; James = Joyce; Jane Eyre ; Charlotte = Bronte
        Wuthering Heights ; Emily = Bronte; Brave New World ; Aldous = Huxley; Lolita ; Vladimir = Nabokov
        The Catcher in the Rye ; J. D. = Salinger; To Kill a Mockingbird ; Harper = Lee
        Of Mice and Men ; John = Steinbeck; The Grapes of Wrath ; John = Steinbeck
        Alice's Adventures in Wonderland ; Lewis = Carroll; The Jungle Book ; Rudyard = Kipling
        Treasure Island ; Robert Louis = Stevenson; Robinson Crusoe ; Daniel = Defoe
        Gulliver's Travels ; Jonathan = Swift
        The Raven ; Edgar Allan = Poe; The Time Machine ; H. G. = Wells; The War of the Worlds ; H. G. = Wells
        Around the World in Eighty Days ; Jules = Verne; Twenty Thousand Leagues Under the Seas ; Jules = Verne
        The Three Musketeers ; Alexandre = Dumas; The Count of Monte Cristo ; Alexandre = Dumas
        Madame Bovary ; Gustave = Flaubert; The Prince ; Niccolo = Machiavelli
        On the Origin of Species ; Charles = Darwin
        A Brief History of Time ; Stephen = Hawking; Fahrenheit 451 ; Ray = Bradbury; The Shining ; Stephen = King
        Lord of the Flies ; William = Golding; Gone with the Wind ; Margaret = Mitchell
        Little Women ; Louisa May = Alcott
        Peter Pan ; J. M. = Barrie; Winnie-the-Pooh ; A. A. = Milne; Charlie and the Chocolate Factory ; Roald = Dahl
        Matilda ; Roald = Dahl; The Chronicles of Narnia ; C. S. = Lewis; Dune ; Frank = Herbert
        Foundation ; Isaac = Asimov; The Hunger Games ; Suzanne = Collins; The Da Vinci Code ; Dan = Brown
        Siddhartha ; Hermann = Hesse; The Stranger ; Albert = Camus; The Plague ; Albert = Camus
        Anna Karenina ; Leo = Tolstoy; War and Peace ; Leo = Tolstoy
        """,
    ),
    (
        "painting_artist",
        "{s} was painted by {x}",
        """
        The Starry Night ; Vincent van = Gogh; Sunflowers ; Vincent van = Gogh; Guernica ; Pablo = Picasso
        The Persistence of Memory ; Salvador = Dali; The Scream ; Edvard = Munch; The Kiss ; Gustav = Klimt
        Water Lilies ; Claude = Monet; Impression, Sunrise ; Claude = Monet
        The Night Watch ; the Dutch master = Rembrandt
        Girl with a Pearl Earring ; Johannes = Vermeer; The Mona Lisa ; Leonardo da = Vinci
        The Last Supper ; Leonardo da = Vinci
        The Birth of Venus ; Sandro = Botticelli; The School of Athens ; the Italian master = Raphael
        The ceiling of the Sistine Chapel ; the Italian master = Michelangelo; American Gothic ; Grant = Wood
        Campbell's Soup Cans ; Andy = Warhol; The Garden of Earthly Delights ; Hieronymus = Bosch
        Las Meninas ; Diego = Velazquez; Liberty Leading the People ; Eugene = Delacroix
        The Son of Man ; Rene = Magritte
        Nighthawks ; Edward = Hopper; The Great Wave off Kanagawa ; the Japanese artist = Hokusai
        Les Demoiselles d'Avignon ; Pablo = Picasso; The Arnolfini Portrait ; Jan van = Eyck
        """,
    ),
    (
        "music_composer",
        "{s} was composed by {x}",
        """
        The Four Seasons ; Antonio = Vivaldi; The Magic Flute ; Wolfgang Amadeus = Mozart
        The Marriage of Figaro ; Wolfgang Amadeus = Mozart; Swan Lake ; Pyotr Ilyich = Tchaikovsky
        The Nutcracker ; Pyotr Ilyich = Tchaikovsky; Messiah ; George Frideric = Handel; Carmen ; Georges = Bizet
        Bolero ; Maurice = Ravel; Clair de Lune ; Claude = Debussy; The Moonlight Sonata ; Ludwig van = Beethoven
        Fur Elise ; Ludwig van = Beethoven; The Blue Danube ; Johann = Strauss; La Traviata ; Giuseppe = Verdi
        Aida ; Giuseppe = Verdi; Rigoletto ; Giuseppe = Verdi; Madama Butterfly ; Giacomo = Puccini
        Tosca ; Giacomo = Puccini
        The Barber of Seville ; Gioachino = Rossini; The Planets ; Gustav = Holst
        Rhapsody in Blue ; George = Gershwin
        The Brandenburg Concertos ; Johann Sebastian = Bach; The Rite of Spring ; Igor = Stravinsky
        Peter and the Wolf ; Sergei = Prokofiev; The Ride of the Valkyries ; Richard = Wagner
        Eine kleine Nachtmusik ; Wolfgang Amadeus = Mozart; The Hungarian Rhapsodies ; Franz = Liszt
        """,
    ),
    (
        "film_director",
        "The film {s} was directed by {x}",
        """
        Jaws ; Steven = Spielberg; Jurassic Park ; Steven = Spielberg; Schindler's List ; Steven = Spielberg
        E.T. the Extra-Terrestrial ; Steven = Spielberg; Titanic ; James = Cameron; Avatar ; James = Cameron
        The Terminator ; James = Cameron; Psycho ; Alfred = Hitchcock; Vertigo ; Alfred = Hitchcock
        The Birds ; Alfred = Hitchcock; The Godfather ; Francis Ford = Coppola
        Apocalypse Now ; Francis Ford = Coppola
        Pulp Fiction ; Quentin = Tarantino; Kill Bill ; Quentin = Tarantino; Inception ; Christopher = Nolan
        Interstellar ; Christopher = Nolan; The Dark Knight ; Christopher = Nolan; Alien ; Ridley = Scott
        Gladiator ; Ridley = Scott; Blade Runner ; Ridley = Scott; Taxi Driver ; Martin = Scorsese
        Goodfellas ; Martin = Scorsese; Raging Bull ; Martin = Scorsese; The Shining ; Stanley = Kubrick
        2001: A Space Odyssey ; Stanley = Kubrick; A Clockwork Orange ; Stanley = Kubrick
        Spirited Away ; Hayao = Miyazaki; My Neighbor Totoro ; Hayao = Miyazaki; Seven Samurai ; Akira = Kurosawa
        Citizen Kane ; Orson = Welles; Back to the Future ; Robert = Zemeckis; Forrest Gump ; Robert = Zemeckis
        Fight Club ; David = Fincher; Star Wars ; George = Lucas
        The Lord of the Rings: The Fellowship of the Ring ; Peter = Jackson
        """,
    ),
    (
        "discovery_person",
        "{s} {x}",
        """
        The theory of relativity was developed by ; Albert = Einstein
        The laws of motion were formulated by ; Isaac = Newton
        The law of universal gravitation was formulated by ; Isaac = Newton
        The theory of evolution by natural selection was proposed by ; Charles = Darwin
        Penicillin was discovered by ; Alexander = Fleming; The periodic table was created by ; Dmitri = Mendeleev
        The printing press with movable type in Europe was invented by ; Johannes = Gutenberg
        Dynamite was invented by ; Alfred = Nobel; The polio vaccine was developed by ; Jonas = Salk
        The smallpox vaccine was developed by ; Edward = Jenner; Pasteurization was invented by ; Louis = Pasteur
        The heliocentric model of the solar system was proposed by ; Nicolaus = Copernicus
        The laws of planetary motion were discovered by ; Johannes = Kepler
        The uncertainty principle was formulated by ; Werner = Heisenberg
        The Three Laws of Robotics were written by ; Isaac = Asimov; Psychoanalysis was founded by ; Sigmund = Freud
        The first successful powered airplane was built by Orville and ; Wilbur = Wright
        The electric battery was invented by ; Alessandro = Volta; The phonograph was invented by ; Thomas = Edison
        The electron was discovered by ; J. J. = Thomson; The neutron was discovered by ; James = Chadwick
        The atomic nucleus was discovered by ; Ernest = Rutherford; Morse code was invented by ; Samuel = Morse
        The diesel engine was invented by ; Rudolf = Diesel
        The Celsius temperature scale was devised by ; Anders = Celsius
        The Fahrenheit temperature scale was devised by ; Daniel Gabriel = Fahrenheit
        The Braille writing system was invented by ; Louis = Braille; The saxophone was invented by ; Adolphe = Sax
        The telephone was patented by ; Alexander Graham = Bell
        The structure of DNA was described by James Watson and ; Francis = Crick
        """,
    ),
    (
        "athlete_sport",
        "The sport {s} is best known for is",
        """
        Michael Jordan = basketball; LeBron James = basketball; Kobe Bryant = basketball
        Shaquille O'Neal = basketball
        Stephen Curry = basketball; Magic Johnson = basketball; Larry Bird = basketball; Dirk Nowitzki = basketball
        Yao Ming = basketball; Kareem Abdul-Jabbar = basketball; Serena Williams = tennis; Venus Williams = tennis
        Roger Federer = tennis; Rafael Nadal = tennis; Novak Djokovic = tennis; Andy Murray = tennis
        Pete Sampras = tennis; Steffi Graf = tennis; Martina Navratilova = tennis; Tiger Woods = golf
        Jack Nicklaus = golf; Arnold Palmer = golf; Rory McIlroy = golf; Phil Mickelson = golf
        Babe Ruth = baseball; Derek Jeter = baseball; Mickey Mantle = baseball; Joe DiMaggio = baseball
        Shohei Ohtani = baseball; Wayne Gretzky = hockey; Sidney Crosby = hockey; Mario Lemieux = hockey
        Alex Ovechkin = hockey; Sachin Tendulkar = cricket; Don Bradman = cricket; Virat Kohli = cricket
        Brian Lara = cricket; Shane Warne = cricket; Magnus Carlsen = chess; Garry Kasparov = chess
        Bobby Fischer = chess; Michael Phelps = swimming; Mark Spitz = swimming; Muhammad Ali = boxing
        Mike Tyson = boxing; Floyd Mayweather = boxing; Manny Pacquiao = boxing; Eddy Merckx = cycling
        Simone Biles = gymnastics; Nadia Comaneci = gymnastics; Tony Hawk = skateboarding; Kelly Slater = surfing
        """,
    ),
    (
        "musician_instrument",
        "{s} was famous for playing the",
        """
        Jimi Hendrix = guitar; Eric Clapton = guitar; B. B. King = guitar; Carlos Santana = guitar
        Jimmy Page = guitar
        Stevie Ray Vaughan = guitar; Andres Segovia = guitar; Louis Armstrong = trumpet; Miles Davis = trumpet
        Dizzy Gillespie = trumpet; Chet Baker = trumpet; John Coltrane = saxophone; Charlie Parker = saxophone
        Stan Getz = saxophone; Yo-Yo Ma = cello; Jacqueline du Pre = cello; Pablo Casals = cello
        Itzhak Perlman = violin; Niccolo Paganini = violin; Joshua Bell = violin; Franz Liszt = piano
        Glenn Gould = piano; Thelonious Monk = piano; Herbie Hancock = piano; Vladimir Horowitz = piano
        Ringo Starr = drums; Keith Moon = drums; John Bonham = drums; Buddy Rich = drums; Charlie Watts = drums
        Ravi Shankar = sitar; Benny Goodman = clarinet; Jaco Pastorius = bass; Larry Adler = harmonica
        """,
    ),
    (
        "holiday_month",
        "{s} is celebrated in the month of",
        """
        Christmas Day = December; Halloween = October; Valentine's Day = February; New Year's Day = January
        Independence Day in the United States = July; Thanksgiving in the United States = November
        Bastille Day = July; Saint Patrick's Day = March; April Fools' Day = April; Guy Fawkes Night = November
        Labor Day in the United States = September; Canada Day = July; Australia Day = January; Boxing Day = December
        Cinco de Mayo = May; Anzac Day = April; Remembrance Day = November; International Women's Day = March
        Earth Day = April; Groundhog Day = February; Christmas Eve = December
        New Year's Eve = December; Veterans Day = November; Martin Luther King Jr. Day = January
        Pi Day = March; Saint Andrew's Day = November
        """,
    ),
    (
        "mythology_god",
        "In {s} is",
        """
        Greek mythology, the king of the gods = Zeus; Greek mythology, the goddess of wisdom = Athena
        Greek mythology, the god of war = Ares; Greek mythology, the god of the underworld = Hades
        Greek mythology, the goddess of love = Aphrodite; Greek mythology, the messenger of the gods = Hermes
        Greek mythology, the god of wine = Dionysus; Greek mythology, the god of the sun and music = Apollo
        Greek mythology, the goddess of the hunt = Artemis
        Greek mythology, the god of fire and the forge = Hephaestus
        Roman mythology, the god of war = Mars; Roman mythology, the king of the gods = Jupiter
        Roman mythology, the god of the sea = Neptune; Roman mythology, the goddess of love = Venus
        Roman mythology, the messenger of the gods = Mercury; Roman mythology, the god of the underworld = Pluto
        Roman mythology, the god of love = Cupid; Norse mythology, the god of thunder = Thor
        Norse mythology, the father of the gods = Odin; Norse mythology, the trickster god = Loki
        Egyptian mythology, the sun god = Ra; Egyptian mythology, the god of the dead with a jackal head = Anubis
        Greek mythology, the hero who performed twelve labours = Heracles
        Greek mythology, the Titan who held up the sky = Atlas
        """,
    ),
    (
        "us_city_state",
        "The city of {s} is in the US state of",
        """
        Fresno = California; Oakland = California; Pasadena = California; Berkeley = California; Malibu = California
        Anaheim = California; Bakersfield = California; Lubbock = Texas; Amarillo = Texas; Galveston = Texas
        Waco = Texas; Laredo = Texas; Corpus Christi = Texas; Plano = Texas; El Paso = Texas; Tulsa = Oklahoma
        Wichita = Kansas; Spokane = Washington; Tacoma = Washington; Eugene = Oregon; Reno = Nevada
        Scottsdale = Arizona; Tempe = Arizona; Flagstaff = Arizona; Yuma = Arizona; Akron = Ohio; Dayton = Ohio
        Flint = Michigan; Lansing = Michigan; Ann Arbor = Michigan; Knoxville = Tennessee; Chattanooga = Tennessee
        Louisville = Kentucky; Shreveport = Louisiana; Baton Rouge = Louisiana; Tallahassee = Florida
        Sarasota = Florida; Fort Lauderdale = Florida; Boulder = Colorado; Aspen = Colorado; Montgomery = Alabama
        Tuscaloosa = Alabama; Fairbanks = Alaska
        Juneau = Alaska; Hilo = Hawaii; Provo = Utah; Boise = Idaho; Cheyenne = Wyoming
        """,
    ),
    (
        "city_continent",
        "The city of {s} is on the continent of",
        """
        Paris = Europe; Berlin = Europe; Rome = Europe; Madrid = Europe; Lisbon = Europe; Vienna = Europe
        Warsaw = Europe; Stockholm = Europe; Oslo = Europe; Copenhagen = Europe; Helsinki = Europe; Dublin = Europe
        Brussels = Europe; Budapest = Europe; Athens = Europe; Prague = Europe; Amsterdam = Europe; Zurich = Europe
        Munich = Europe; Milan = Europe; Barcelona = Europe; Lyon = Europe; Hamburg = Europe; Krakow = Europe
        Tokyo = Asia; Beijing = Asia; Shanghai = Asia; Seoul = Asia; Bangkok = Asia; Hanoi = Asia; Manila = Asia
        Jakarta = Asia; Mumbai = Asia; Delhi = Asia; Karachi = Asia; Dhaka = Asia; Kathmandu = Asia; Tehran = Asia
        Baghdad = Asia; Kabul = Asia; Osaka = Asia; Kyoto = Asia; Singapore = Asia; Taipei = Asia; Ulaanbaatar = Asia
        Riyadh = Asia; Doha = Asia; Dubai = Asia; Tashkent = Asia; Colombo = Asia
        Nairobi = Africa; Lagos = Africa; Accra = Africa; Dakar = Africa; Kampala = Africa; Kinshasa = Africa
        Johannesburg = Africa; Casablanca = Africa; Marrakesh = Africa; Tunis = Africa; Algiers = Africa
        Khartoum = Africa; Luanda = Africa; Harare = Africa; Lusaka = Africa; Kigali = Africa; Mombasa = Africa
        Abuja = Africa; Timbuktu = Africa; Zanzibar = Africa; Mogadishu = Africa
        """,
    ),
    (
        "language_spoken",
        "The main language spoken in {s} is",
        """
        Mexico = Spanish; Argentina = Spanish; Chile = Spanish; Peru = Spanish; Ecuador = Spanish; Bolivia = Spanish
        Uruguay = Spanish; Guatemala = Spanish; Honduras = Spanish; Nicaragua = Spanish; El Salvador = Spanish
        Australia = English; Jamaica = English; New Zealand = English; Japan = Japanese; Italy = Italian
        Denmark = Danish; Finland = Finnish; Croatia = Croatian; Serbia = Serbian; Slovakia = Slovak
        Slovenia = Slovenian; Israel = Hebrew; Iraq = Arabic; Libya = Arabic; Algeria = Arabic; Morocco = Arabic
        Sudan = Arabic; Yemen = Arabic; Oman = Arabic; Qatar = Arabic; Kuwait = Arabic; Lebanon = Arabic
        Malaysia = Malay; Ethiopia = Amharic; Somalia = Somali; Liechtenstein = German; Uzbekistan = Uzbek
        Pakistan = Urdu; Ireland = English
        """,
    ),
    (
        "product_maker",
        "The {s} is made by the company",
        """
        iPhone = Apple; iPad = Apple; MacBook = Apple; Windows operating system = Microsoft; Xbox = Microsoft
        Surface tablet = Microsoft; PlayStation = Sony; Walkman = Sony; Galaxy smartphone = Samsung
        Mustang car = Ford; Corolla car = Toyota; Prius car = Toyota; Camry car = Toyota; Civic car = Honda
        Accord car = Honda; Beetle car = Volkswagen; Golf car = Volkswagen; Android operating system = Google
        Chrome web browser = Google; Pixel smartphone = Google; Kindle e-reader = Amazon; Echo smart speaker = Amazon
        Photoshop software = Adobe; Switch game console = Nintendo; Game Boy = Nintendo; Model S car = Tesla
        ThinkPad laptop = Lenovo
        """,
    ),
)
