"""``arena serve``: a web app where people play the arena's games in the browser, take a seat
against an agent, or watch agents play live; every game recorded like an agent's."""
