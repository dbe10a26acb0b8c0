"""Built-in recipes, installed as the package ``distill.recipes`` (package data).

Each ``<name>.yaml`` here is a recipe that ``distill train <name>`` runs from any
directory; ``distill recipes`` lists them with the first comment line of each file.
The lookup lives in `distill.recipe` (``builtin_recipes``, ``find_recipe``); this
package holds only the files.
"""
